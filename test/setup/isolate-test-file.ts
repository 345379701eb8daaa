import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { getDb } from "@/server/db";
import { TEMPLATE_DATABASE, createDatabase, dropDatabase, uniqueName } from "@/test/support/databases";

// Runs before every integration test file: its own database cloned from the migrated template,
// its own artifact directory and its own Redis key prefix, all set through the env the
// services read, so the code under test runs exactly as in production.
const databaseName = uniqueName("mlops_test");
process.env.DATABASE_URL = await createDatabase(databaseName, { template: TEMPLATE_DATABASE });
const artifactDir = await mkdtemp(path.join(os.tmpdir(), "mlops-artifacts-"));
process.env.ARTIFACT_DIR = artifactDir;
process.env.REDIS_KEY_PREFIX = `test:${databaseName}:`;
// Sessions are signed as in production, with a secret of the tests' own.
process.env.BETTER_AUTH_SECRET ??= "test-only-secret-for-signing-session-cookies";

afterAll(async () => {
  await getDb().$disconnect();
  await dropDatabase(databaseName);
  await rm(artifactDir, { recursive: true, force: true });
});
