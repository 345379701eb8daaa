import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { startGateway } from "@/server/gateway/start-gateway";
import { getRedis } from "@/server/redis";
import { dropDatabase } from "@/test/support/databases";
import { createFraudDeployment } from "@/test/support/fraud-deployment";
import { ownRedis } from "@/test/support/own-redis";

// Readiness follows what serving needs: a gateway whose Postgres is gone still serves its cached
// deployments, so a load balancer must keep it; one whose Redis is gone serves nothing.
// Postgres "stops answering" by its database vanishing under the running gateway (the shared
// server is never stopped); Redis is this file's own, stopped for real.

const redis = await ownRedis();
process.env.REDIS_URL = redis.url;
// The faults' warnings go to a file of this test's, not into the test output.
const logFile = path.join(os.tmpdir(), `gateway-readiness-${process.pid}.log`);
process.env.LOG_FILE = logFile;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  await createFraudDeployment();
  gateway = await startGateway({ ...readGatewayEnv(), GATEWAY_PORT: 0, GATEWAY_HOST: "127.0.0.1" });
});

afterAll(async () => {
  await redis.start().catch(() => undefined);
  await gateway?.close();
  await getRedis().quit();
  await redis.stop();
  await rm(logFile, { force: true });
});

async function get(route: string) {
  const response = await fetch(`${gateway.url}${route}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("gateway readiness", () => {
  it("is 200 with everything up, stays 200 naming Postgres down, and is 503 once Redis is down", async () => {
    expect(await get("/v2/health/ready")).toEqual({
      status: 200,
      body: {
        ready: true,
        redis: "up",
        postgres: "up",
        deploymentChanges: "live",
        apiKeyRevocations: "live",
      },
    });
    // Loaded while Postgres answers: cached from here on.
    expect((await get("/v2/models/fraud")).status).toBe(200);

    await dropDatabase(decodeURIComponent(new URL(process.env.DATABASE_URL!).pathname.slice(1)));
    expect(await get("/v2/health/ready")).toEqual({
      status: 200,
      body: {
        ready: true,
        redis: "up",
        postgres: "down",
        deploymentChanges: "live",
        apiKeyRevocations: "live",
      },
    });
    // What readiness promises: the cached deployment is still served.
    expect((await get("/v2/models/fraud")).status).toBe(200);
    // A deployment not cached yet cannot be looked up: 503 naming why, not an internal error.
    expect(await get("/v2/models/other")).toEqual({
      status: 503,
      body: {
        error: "deployment 'other' cannot be looked up: the registry database is unavailable; retry later",
      },
    });

    await redis.stop();
    const ready = await get("/v2/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ ready: false, redis: "down", postgres: "down" });

    // Ready again by itself once Redis is back (its clients reconnect and resubscribe).
    await redis.start();
    const restartedMs = performance.now();
    let back = await get("/v2/health/ready");
    while (back.status !== 200 && performance.now() - restartedMs < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      back = await get("/v2/health/ready");
    }
    console.log(`ready again ${(performance.now() - restartedMs).toFixed(0)} ms after Redis restarted`);
    expect(back).toEqual({
      status: 200,
      body: {
        ready: true,
        redis: "up",
        postgres: "down",
        deploymentChanges: "live",
        apiKeyRevocations: "live",
      },
    });
  });
});
