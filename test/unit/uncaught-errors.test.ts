import { describe, expect, it } from "vitest";
import { runTypeScript } from "@/test/support/run-typescript";

/** Runs the fixture in its own process; its JSON log lines and "alive" come on stdout. */
async function runFixture(policy: "log" | "exit", escape: "reject" | "throw") {
  const { LOG_FILE: _logFile, ...env } = process.env;
  const { code, stdout } = await runTypeScript(["test/fixtures/uncaught-errors.ts", policy, escape], {
    ...env,
    LOG_LEVEL: "info",
  });
  const lines = stdout.split("\n").filter(Boolean);
  const logs = lines
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines, logs };
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
