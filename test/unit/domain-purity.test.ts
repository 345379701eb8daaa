import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const DOMAIN_DIR = path.resolve(import.meta.dirname, "../../server/domain");
/** server/domain is pure logic: anything that does I/O belongs in services, the gateway or workers. */
const FORBIDDEN = [/^node:/, /^(fs|net|http|https|child_process|worker_threads)$/, /prisma/, /^pg$/, /ioredis/, /bullmq/, /onnxruntime/, /^@\/server\/(db|redis|env|services|storage|onnx|queues|gateway)/, /^@\/generated/];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith(".ts")).map((entry) => path.join(entry.parentPath, entry.name));
}

describe("server/domain", () => {
  it("imports nothing that does I/O", async () => {
    const violations: string[] = [];
    for (const file of await sourceFiles(DOMAIN_DIR)) {
      const source = await readFile(file, "utf8");
      for (const [, specifier] of source.matchAll(/(?:import|export)[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
        if (specifier && FORBIDDEN.some((pattern) => pattern.test(specifier))) violations.push(`${path.relative(DOMAIN_DIR, file)} imports ${specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
