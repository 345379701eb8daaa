import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "@/server/db";
import { createDatabase, dropDatabase, uniqueName } from "@/test/support/databases";

const REPO = path.resolve(import.meta.dirname, "../..");
const freshDatabase = uniqueName("mlops_migrate_team");
afterAll(() => dropDatabase(freshDatabase));

describe("the migrate step", () => {
  it("creates the default team after the migrations, once however often it runs", async () => {
    const url = await createDatabase(freshDatabase);
    const migrate = () =>
      promisify(execFile)(path.join(REPO, "node_modules/.bin/tsx"), ["scripts/migrate.ts"], {
        cwd: REPO,
        env: { ...process.env, DATABASE_URL: url, DEFAULT_TEAM_SLUG: "acme" },
      });
    expect((await migrate()).stdout).toMatch(/applied \d+ migration\(s\)[\s\S]*default team: acme/);
    expect((await migrate()).stdout).toMatch(/database is up to date[\s\S]*default team: acme/);
    const db = createDb(url);
    try {
      expect(await db.team.findMany({ select: { slug: true, name: true } })).toEqual([
        { slug: "acme", name: "acme" },
      ]);
    } finally {
      await db.$disconnect();
    }
  });
});
