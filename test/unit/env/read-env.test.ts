import { afterEach, describe, expect, it } from "vitest";
import { InvalidEnvironmentError, readEnv } from "@/server/env";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { readWorkerEnv } from "@/workers/worker-env";

const touched = ["GATEWAY_PORT", "GATEWAY_HOST", "WORKER_DEVICE", "WORKER_CONCURRENCY", "LOG_LEVEL"];
const saved = Object.fromEntries(touched.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of touched) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

// Order matters within this file: it has one module graph, so the first successful read of each
// schema is the one that sticks, as in a process.
describe("a bad variable", () => {
  it("is named in one line, with what it should be and nothing else", () => {
    process.env.GATEWAY_PORT = "eighty";
    expect(() => readGatewayEnv()).toThrow(
      new InvalidEnvironmentError(
        "invalid environment: GATEWAY_PORT: Invalid input: expected number, received NaN",
      ),
    );
  });

  it("is named with every other bad variable of the same schema", () => {
    process.env.WORKER_DEVICE = "tpu";
    process.env.WORKER_CONCURRENCY = "0";
    let error: unknown;
    try {
      readWorkerEnv();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect((error as Error).message).toBe(
      'invalid environment: WORKER_DEVICE: Invalid option: expected one of "cpu"|"cuda"; ' +
        "WORKER_CONCURRENCY: Too small: expected number to be >0",
    );
    expect((error as Error).message).not.toContain("\n");
  });
});

describe("the environment is parsed once", () => {
  it("a later change to process.env does not reach a process that has read it", () => {
    process.env.GATEWAY_PORT = "9090";
    const first = readGatewayEnv();
    expect(first.GATEWAY_PORT).toBe(9090);
    process.env.GATEWAY_PORT = "9191";
    process.env.LOG_LEVEL = "no-such-level";
    expect(readGatewayEnv()).toBe(first);
    expect(readEnv()).toBe(readEnv());
    expect(readEnv().LOG_LEVEL).toBe(first.LOG_LEVEL);
  });
});
