import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const REPO = path.resolve(import.meta.dirname, "../..");
const eslint = new ESLint({ cwd: REPO });

/** The rules that fire on a source text placed at a path of the tree (the file need not exist). */
async function violations(relativePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(REPO, relativePath) });
  return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
}

const IMPORT_RULE = "@typescript-eslint/no-restricted-imports";
const SYNTAX_RULE = "no-restricted-syntax";

describe("lint boundaries", () => {
  it("refuses a worker importing scripts/", async () => {
    const source = 'import { seedDemo } from "@/scripts/demo/seed";\nexport const seed = seedDemo;\n';
    expect(await violations("workers/serving/fixture.ts", source)).toContain(IMPORT_RULE);
  });

  it("refuses a dynamic import() of test/ from the gateway", async () => {
    const source = 'export const load = () => import("@/test/support/databases");\n';
    expect(await violations("server/gateway/fixture.ts", source)).toContain(SYNTAX_RULE);
  });

  it("refuses I/O in server/domain, static or dynamic", async () => {
    const staticImport = 'import { Redis } from "ioredis";\nexport const make = () => new Redis();\n';
    expect(await violations("server/domain/fixture.ts", staticImport)).toContain(IMPORT_RULE);
    const fsImport = 'import { readFile } from "node:fs/promises";\nexport const read = readFile;\n';
    expect(await violations("server/domain/fixture.ts", fsImport)).toContain(IMPORT_RULE);
    const dynamicImport = 'export const db = () => import("@/server/db");\n';
    expect(await violations("server/domain/fixture.ts", dynamicImport)).toContain(SYNTAX_RULE);
  });

  it("lets pages take only types from server, and pure helpers from server/domain", async () => {
    const runtime = 'import { getDb } from "@/server/db";\nexport const db = getDb;\n';
    expect(await violations("app/models/fixture.tsx", runtime)).toContain(IMPORT_RULE);
    const typeOnly = 'import type { AppRouter } from "@/server/trpc/root";\nexport type R = AppRouter;\n';
    expect(await violations("app/models/fixture.tsx", typeOnly)).toEqual([]);
    const domain = 'import { formatBytes } from "@/server/domain/format";\nexport const f = formatBytes;\n';
    expect(await violations("app/models/fixture.tsx", domain)).toEqual([]);
  });

  it("allows the same imports in scripts and tests", async () => {
    const source = 'import { seedDemo } from "@/scripts/demo/seed";\nexport const seed = seedDemo;\n';
    expect(await violations("test/integration/fixture.ts", source)).toEqual([]);
  });
});
