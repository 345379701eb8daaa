import { describe, expect, it } from "vitest";
import { runTypeScript } from "@/test/support/run-typescript";

/** Runs an entry point as production does (node with tsx's loader) and collects what it printed. */
function boot(args: string[], env: Record<string, string>) {
  return runTypeScript(args, { ...process.env, ...env });
}

// Every process stops before it touches Postgres or Redis, with one line naming the variable:
// no stack trace, and no value (a URL may carry a password).
describe("a bad variable stops the process at boot with its name", () => {
  it("the gateway", async () => {
    const run = await boot(["server/gateway/main.ts"], { GATEWAY_PORT: "eighty" });
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: "invalid environment: GATEWAY_PORT: Invalid input: expected number, received NaN\n",
    });
  });

  it("the worker", async () => {
    const run = await boot(["workers/main.ts"], { WORKER_DEVICE: "tpu" });
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: 'invalid environment: WORKER_DEVICE: Invalid option: expected one of "cpu"|"cuda"\n',
    });
  });

  it("the migrate script", async () => {
    const run = await boot(["scripts/migrate.ts"], { DATABASE_URL: "postgres at home" });
    expect(run).toEqual({ code: 1, stdout: "", stderr: "invalid environment: DATABASE_URL: Invalid URL\n" });
  });

  it("the demo", async () => {
    const run = await boot(["scripts/demo/start.ts"], { LOG_LEVEL: "loud" });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'invalid environment: LOG_LEVEL: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"\n',
    );
  });

  it("the web app, through the register() hook Next.js calls at server start", async () => {
    const run = await boot(
      ["--input-type=module", "-e", 'await (await import("./instrumentation.ts")).register();'],
      { NEXT_RUNTIME: "nodejs", MAX_ARTIFACT_BYTES: "-1" },
    );
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: "invalid environment: MAX_ARTIFACT_BYTES: Too small: expected number to be >0\n",
    });
  });

  it("the web app in production without BETTER_AUTH_SECRET, which would sign sessions with a public default", async () => {
    const { BETTER_AUTH_SECRET: _unset, ...environment } = process.env;
    const run = await runTypeScript(
      ["--input-type=module", "-e", 'await (await import("./instrumentation.ts")).register();'],
      { ...environment, NEXT_RUNTIME: "nodejs", NODE_ENV: "production" },
    );
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "invalid environment: BETTER_AUTH_SECRET: required in production, to sign session cookies; " +
        "set it to at least 32 random characters (openssl rand -base64 32)\n",
    });
  });
});
