import { describe, expect, it } from "vitest";
import { runTypeScript } from "@/test/support/run-typescript";
import { startWorkerProcess, stopProcess } from "@/test/support/serving-stack";
import { WORKER_ROLE_NAMES } from "@/workers/worker-env";

describe("workers/main.ts roles", () => {
  it("stops at boot on an unknown role, naming WORKER_ROLES, the bad value and the known roles, with no stack", async () => {
    const { code, stderr } = await runTypeScript(["workers/main.ts"], {
      ...process.env,
      WORKER_ROLES: "serving,bogus",
      WORKER_HOST_NAME: "roles-bad",
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `invalid environment: WORKER_ROLES: unknown role 'bogus' in 'serving,bogus'; known roles: ${WORKER_ROLE_NAMES.join(", ")}\n`,
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it("starts the roles asked for and exits 0 once SIGTERM has closed them", async () => {
    const child = await startWorkerProcess({
      hostName: "roles-serving",
      artifactSourceUrl: "http://127.0.0.1:9",
      env: { WORKER_ROLES: "serving,monitor" },
    });
    let stdout = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    await stopProcess(child, "SIGTERM");
    expect(await exited).toBe(0);
    const lines = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        hostName: "roles-serving",
        signal: "SIGTERM",
        msg: "worker stopping: finishing active jobs",
      }),
    );
  });
});
