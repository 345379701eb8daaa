import { rm } from "node:fs/promises";
import { Redis } from "ioredis";
import { readEnv } from "@/server/env";
import { startDemo } from "@/scripts/demo/start";
import { createDatabase } from "@/test/support/databases";
import { deleteKeysWithPrefix } from "@/test/support/redis-keys";

// Every browser run starts from an empty database, artifact store and Redis prefix, then runs
// the same command a user runs: `npm run demo` (migrate, seed, build when needed, start).
const { DATABASE_URL, ARTIFACT_DIR, REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
await createDatabase(decodeURIComponent(new URL(DATABASE_URL).pathname.slice(1)));
await rm(ARTIFACT_DIR, { recursive: true, force: true });
// Queues and counters of an earlier run would otherwise reach this run's worker and charts.
const redis = new Redis(REDIS_URL);
await deleteKeysWithPrefix(redis, REDIS_KEY_PREFIX);
redis.disconnect();
await startDemo(Number(process.env.PORT));
