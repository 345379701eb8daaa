import { afterEach, describe, expect, it, vi } from "vitest";
import { WORKER_ROLE_NAMES } from "@/workers/worker-env";

afterEach(() => vi.unstubAllEnvs());

/** A process reads its environment once: each case reads it as a new process would, in fresh modules. */
async function readFreshWorkerEnv() {
  vi.resetModules();
  const { readWorkerEnv } = await import("@/workers/worker-env");
  return readWorkerEnv();
}

const rolesOf = async (value: string | undefined) => {
  vi.stubEnv("WORKER_ROLES", value);
  return (await readFreshWorkerEnv()).WORKER_ROLES;
};

const errorOf = async (value: string): Promise<string> => {
  vi.stubEnv("WORKER_ROLES", value);
  try {
    await readFreshWorkerEnv();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`WORKER_ROLES='${value}' was accepted`);
};

describe("WORKER_ROLES", () => {
  it("defaults to serving", async () => {
    expect(await rolesOf(undefined)).toEqual(["serving"]);
  });

  it("reads a comma list, ignoring spaces, empty entries and repeats", async () => {
    expect(await rolesOf(" serving ,, serving")).toEqual(["serving"]);
  });

  it("refuses an unknown role, naming the variable, the bad name, the value and the known roles", async () => {
    const message = await errorOf("serving,bacth");
    expect(message).toContain("WORKER_ROLES");
    expect(message).toContain("unknown role 'bacth' in 'serving,bacth'");
    expect(message).toContain(`known roles: ${WORKER_ROLE_NAMES.join(", ")}`);
  });

  it("names every unknown role at once", async () => {
    expect(await errorOf("scheduler,teleport")).toContain("unknown role 'scheduler', 'teleport'");
  });

  it("knows the monitor role", async () => {
    expect(await rolesOf("serving,monitor")).toEqual(["serving", "monitor"]);
  });

  it("refuses a host price over $10,000 an hour, naming the unit", async () => {
    vi.stubEnv("WORKER_COST_MICROS_PER_HOUR", String(20_000 * 1_000_000));
    await expect(readFreshWorkerEnv()).rejects.toThrow(
      /WORKER_COST_MICROS_PER_HOUR: over \$10,000 an hour .*micro-dollars per hour/,
    );
  });

  it("refuses a list that names no role", async () => {
    expect(await errorOf(" , ")).toContain(
      `WORKER_ROLES: ' , ' names no role; known roles: ${WORKER_ROLE_NAMES.join(", ")}`,
    );
  });
});

describe("WORKER_METRICS_PORT", () => {
  const portOf = async (value: string | undefined) => {
    vi.stubEnv("WORKER_METRICS_PORT", value);
    return (await readFreshWorkerEnv()).WORKER_METRICS_PORT;
  };

  it("is off unless set, and reads a port (0 for a free one)", async () => {
    expect(await portOf(undefined)).toBeUndefined();
    expect(await portOf("9464")).toBe(9464);
    expect(await portOf("0")).toBe(0);
  });

  it("refuses what is not a port, naming the variable", async () => {
    vi.stubEnv("WORKER_METRICS_PORT", "metrics");
    await expect(readFreshWorkerEnv()).rejects.toThrow("WORKER_METRICS_PORT");
    vi.stubEnv("WORKER_METRICS_PORT", "70000");
    await expect(readFreshWorkerEnv()).rejects.toThrow("WORKER_METRICS_PORT");
  });
});

describe("the webhooks role's settings", () => {
  it("default to six attempts (waits of 10 s to 1 h), a 10 s timeout and a sweep a minute", async () => {
    const env = await readFreshWorkerEnv();
    expect(env.WEBHOOK_RETRY_DELAYS_MS).toEqual([10_000, 30_000, 120_000, 600_000, 3_600_000]);
    expect(env.WEBHOOK_TIMEOUT_MS).toBe(10_000);
    expect(env.WEBHOOK_SWEEP_INTERVAL_MS).toBe(60_000);
  });

  it("read short waits, and refuse a bad wait or secret key naming the variable", async () => {
    vi.stubEnv("WEBHOOK_RETRY_DELAYS_MS", "200, 200");
    expect((await readFreshWorkerEnv()).WEBHOOK_RETRY_DELAYS_MS).toEqual([200, 200]);
    vi.stubEnv("WEBHOOK_RETRY_DELAYS_MS", "1s");
    await expect(readFreshWorkerEnv()).rejects.toThrow(
      "WEBHOOK_RETRY_DELAYS_MS: '1s' in '1s' is not a whole number of milliseconds",
    );
    vi.stubEnv("WEBHOOK_RETRY_DELAYS_MS", "200");
    vi.stubEnv("WEBHOOK_SECRET_KEY", "hunter2");
    await expect(readFreshWorkerEnv()).rejects.toThrow(
      "WEBHOOK_SECRET_KEY: must be 32 bytes as 64 hex digits or as base64 (openssl rand -base64 32)",
    );
    vi.stubEnv("WEBHOOK_SECRET_KEY", "ab".repeat(32));
    expect((await readFreshWorkerEnv()).WEBHOOK_SECRET_KEY).toBe("ab".repeat(32));
  });
});
