import { rm } from "node:fs/promises";
import { Redis } from "ioredis";
import { readEnv } from "@/server/env";
import { startDemo } from "@/scripts/demo/start";
import { createDatabase } from "@/test/support/databases";
import { startOidcProvider } from "@/test/support/oidc-provider";
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
// A company's OpenID provider, for the browser test that signs in through it; its one user.
const port = Number(process.env.PORT);
const provider = await startOidcProvider({
  redirectUri: `http://127.0.0.1:${port}/api/auth/callback/oidc`,
  users: [{ sub: "grace", email: "grace.e2e@example.com", name: "Grace Hopper" }],
});
Object.assign(process.env, {
  OIDC_ISSUER_URL: provider.issuer,
  OIDC_CLIENT_ID: provider.clientId,
  OIDC_CLIENT_SECRET: provider.clientSecret,
  OIDC_DISPLAY_NAME: "Acme ID",
});
await startDemo(port);
