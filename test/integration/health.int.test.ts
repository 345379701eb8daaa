import { afterAll, describe, expect, it } from "vitest";
import { getRedis } from "@/server/redis";
import { checkHealth } from "@/server/services/health/check-health";

afterAll(() => getRedis().quit());

describe("health", () => {
  it("reports Postgres and Redis as reachable, with their answer times", async () => {
    const health = await checkHealth();
    expect(health).toMatchObject({ ok: true, postgres: { ok: true }, redis: { ok: true } });
    expect(health.postgres.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("writes Redis keys under the test file's own prefix", async () => {
    const redis = getRedis();
    await redis.set("probe", "1", "EX", 10);
    const { Redis } = await import("ioredis");
    const unprefixed = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    try {
      expect(await unprefixed.get(`${process.env.REDIS_KEY_PREFIX}probe`)).toBe("1");
      expect(await unprefixed.get("probe")).toBeNull();
    } finally {
      unprefixed.disconnect();
    }
  });

  it("reports an unreachable Redis without throwing", async () => {
    const { Redis } = await import("ioredis");
    // Port 1 refuses connections: a real client against a real closed port.
    const unreachable = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    unreachable.on("error", () => undefined);
    try {
      const health = await checkHealth({ redis: unreachable });
      expect(health).toMatchObject({ ok: false, postgres: { ok: true }, redis: { ok: false } });
      // Named as down, without the driver's message or the address it tried.
      expect(health.redis.error).toBe("not reachable");
    } finally {
      unreachable.disconnect();
    }
  });
});
