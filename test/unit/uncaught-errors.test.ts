import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const REPO = path.resolve(import.meta.dirname, "../..");

/** Runs the fixture in its own process; its JSON log lines and "alive" come on stdout. */
function runFixture(policy: "log" | "exit", escape: "reject" | "throw") {
  const { LOG_FILE: _logFile, ...env } = process.env;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/fixtures/uncaught-errors.ts", policy, escape],
    {
      cwd: REPO,
      env: { ...env, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise<{ code: number | null; lines: string[]; logs: Record<string, unknown>[] }>((resolve) =>
    child.once("exit", (code) => {
      const lines = stdout.split("\n").filter(Boolean);
      const logs = lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
      resolve({ code, lines, logs });
    }),
  );
}

describe("the process handler for uncaught errors", () => {
  it('logs an unhandled rejection at error level, with the error, and keeps running under "log"', async () => {
    const { code, lines, logs } = await runFixture("log", "reject");
    expect(lines).toContain("alive");
    expect(code).toBe(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 50,
      component: "fixture",
      msg: "unhandled rejection; the process keeps running",
      err: { type: "MaxRetriesPerRequestError", message: expect.stringContaining("max retries") },
    });
  });

  it('logs an unhandled rejection as fatal and exits under "exit"', async () => {
    const { code, lines, logs } = await runFixture("exit", "reject");
    expect(lines).not.toContain("alive");
    expect(code).toBe(1);
    expect(logs).toMatchObject([{ level: 60, msg: "unhandled rejection; exiting" }]);
  });

  it("always logs an uncaught exception as fatal and exits: the process state is unknown", async () => {
    const { code, lines, logs } = await runFixture("log", "throw");
    expect(lines).not.toContain("alive");
    expect(code).toBe(1);
    expect(logs).toMatchObject([
      { level: 60, msg: "uncaught exception; exiting", err: { type: "MaxRetriesPerRequestError" } },
    ]);
  });
});
