import { Redis } from "ioredis";
import { createDb, type Db } from "@/server/db";
import { applyMigrations } from "@/server/migrations/apply-migrations";
import { ensureDefaultTeam } from "@/server/services/team/ensure-default-team";
import { makeDemoModels } from "@/scripts/demo/make-demo-models";
import { ADMIN_DATABASE_URL, TEMPLATE_DATABASE, createDatabase } from "@/test/support/databases";
import { DEMO_DIR } from "@/test/support/demo-files";

// One migrated template per run; each test file then clones it (CREATE DATABASE ... TEMPLATE),
// which takes milliseconds, so every file gets its own database without re-running migrations.
export default async function globalSetup(): Promise<void> {
  await assertRedisAnswers(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const templateUrl = await createDatabase(TEMPLATE_DATABASE).catch((error: Error) => {
    throw new Error(`PostgreSQL at ${ADMIN_DATABASE_URL} is not usable for tests: ${error.message}`);
  });
  await applyMigrations(templateUrl);
  await withDb(templateUrl, (db) => ensureDefaultTeam({ db }));
  await makeDemoModels(DEMO_DIR);
}

/** Disconnects at once: a template that still has a session cannot be cloned. */
async function withDb(url: string, work: (db: Db) => Promise<unknown>): Promise<void> {
  const db = createDb(url);
  try {
    await work(db);
  } finally {
    await db.$disconnect();
  }
}

async function assertRedisAnswers(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis at ${redisUrl} is not answering: ${(error as Error).message}`, { cause: error });
  } finally {
    redis.disconnect();
  }
}
