import { rm } from "node:fs/promises";
import { Redis } from "ioredis";
import { readEnv } from "@/server/env";
import { startDemo } from "@/scripts/demo/start";
import { createDatabase } from "@/test/support/databases";

// Every browser run starts from an empty database, artifact store and Redis prefix, then runs
// the same command a user runs: `npm run demo` (migrate, seed, build when needed, start).
const { DATABASE_URL, ARTIFACT_DIR, REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
await createDatabase(decodeURIComponent(new URL(DATABASE_URL).pathname.slice(1)));
await rm(ARTIFACT_DIR, { recursive: true, force: true });
await removeRedisKeys(REDIS_URL, REDIS_KEY_PREFIX);
await startDemo(Number(process.env.PORT));

/** Queues and counters of an earlier run would otherwise reach this run's worker and charts. */
async function removeRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
}
