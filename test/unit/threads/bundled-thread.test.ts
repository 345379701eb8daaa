import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBundledThread } from "@/server/threads/bundled-thread";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "bundled-thread-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("bundled threads", () => {
  it("run a TypeScript entry with no loader in the thread, its packages imported from node_modules", async () => {
    await writeFile(
      path.join(dir, "entry.ts"),
      `import { parentPort, workerData } from "node:worker_threads";
       import { z } from "zod";
       const doubled: number = z.number().parse(workerData) * 2;
       parentPort!.postMessage({ doubled, execArgv: process.execArgv });`,
    );
    const thread = await startBundledThread(pathToFileURL(`${dir}/`).href, "entry.ts", { workerData: 21 });
    const [reply] = await once(thread, "message");
    expect(reply).toEqual({ doubled: 42, execArgv: [] });
    await thread.terminate();
  });

  it("reject with esbuild's reason when the entry does not build, and build again for the next thread", async () => {
    const entry = path.join(dir, "broken.ts");
    await writeFile(entry, "const = ;");
    const beside = pathToFileURL(`${dir}/`).href;
    await expect(startBundledThread(beside, "broken.ts", {})).rejects.toThrow(/broken\.ts.*Expected/s);
    await writeFile(
      entry,
      `import { parentPort } from "node:worker_threads"; parentPort!.postMessage("fixed");`,
    );
    const thread = await startBundledThread(beside, "broken.ts", {});
    expect((await once(thread, "message"))[0]).toBe("fixed");
    await thread.terminate();
  });
});
