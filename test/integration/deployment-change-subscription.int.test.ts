import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentChangedChannel, type DeploymentChangedMessage } from "@/server/contracts/channels";
import { connectRedis } from "@/server/contracts/redis-connections";
import { DeploymentCache, type DeploymentKey } from "@/server/gateway/deployment-cache";
import { subscribeToDeploymentChanges } from "@/server/gateway/subscribe-deployment-changes";
import { getLogger } from "@/server/logger";
import type { ServingDeployment } from "@/server/services/deployment/load-serving-deployment";
import { ownRedis } from "@/test/support/own-redis";

// The gateway's subscription on a Redis of this file's own (it is stopped here): changes drop
// only the team's deployment they name, and a reconnect drops everything once the
// subscription is active again, so what was announced meanwhile is re-read.

const redis = await ownRedis();
const PREFIX = process.env.REDIS_KEY_PREFIX!;
const publisher = connectRedis("command", redis.url);
const loads: string[] = [];
const cache = new DeploymentCache(async ({ teamId, name }: DeploymentKey) => {
  loads.push(`${teamId}/${name}`);
  const deployment: ServingDeployment = {
    id: `${teamId}-${name}`,
    teamId,
    name,
    modelName: "m",
    device: "cpu",
    maxBatchSize: 1,
    maxQueueDelayMs: 1,
    predictionSampleRate: 0,
    revisionId: `r${loads.length}`,
    revisionNumber: loads.length,
    target: { kind: "versions", weights: [{ versionId: "v", versionNumber: 1, weight: 100 }], shadows: [] },
    versions: new Map(),
  };
  return deployment;
});
let subscription: Awaited<ReturnType<typeof subscribeToDeploymentChanges>>;

beforeAll(async () => {
  subscription = await subscribeToDeploymentChanges({
    redisUrl: redis.url,
    keyPrefix: PREFIX,
    cache,
    log: getLogger(),
  });
});

afterAll(async () => {
  await subscription.close();
  publisher.disconnect();
  await redis.stop();
});

const A = { teamId: "team-a", name: "fraud" };
const B = { teamId: "team-b", name: "fraud" };
const loadsOf = (key: DeploymentKey) => loads.filter((entry) => entry === `${key.teamId}/${key.name}`).length;

async function publish(message: DeploymentChangedMessage): Promise<void> {
  await publisher.publish(deploymentChangedChannel(PREFIX), JSON.stringify(message));
}

/** Asks the cache until the key has been loaded `count` times. */
async function untilLoaded(key: DeploymentKey, count: number, timeoutMs = 10_000): Promise<number> {
  const startedMs = performance.now();
  while (loadsOf(key) < count) {
    if (performance.now() - startedMs > timeoutMs)
      throw new Error(`${key.name} not re-read within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await cache.get(key);
  }
  return performance.now() - startedMs;
}

describe("deployment change subscription", () => {
  it("drops the deployment of the team a change names, not another team's of the same name", async () => {
    await cache.get(A);
    await cache.get(B);
    await publish({ deploymentId: "team-b-fraud", teamId: B.teamId, name: B.name });
    await untilLoaded(B, 2);
    await cache.get(A);
    expect(loadsOf(A)).toBe(1);

    await publish({ deploymentId: "team-a-fraud", teamId: A.teamId, name: A.name });
    await untilLoaded(A, 2);
    expect(loadsOf(B)).toBe(2);
  });

  it("ignores a message that does not parse, and keeps listening", async () => {
    await publisher.publish(deploymentChangedChannel(PREFIX), "{not json");
    await publisher.publish(deploymentChangedChannel(PREFIX), JSON.stringify({ name: "fraud" }));
    await publish({ deploymentId: "team-a-fraud", teamId: A.teamId, name: A.name });
    await untilLoaded(A, 3);
    expect(loadsOf(B)).toBe(2);
  });

  it("re-reads every deployment after Redis comes back, with no announcement, and hears the next one", async () => {
    const [before, beforeB] = [loadsOf(A), loadsOf(B)];
    await redis.stop();
    await cache.get(A);
    expect(loadsOf(A)).toBe(before);
    await redis.start();
    const rereadMs = await untilLoaded(A, before + 1);
    await untilLoaded(B, beforeB + 1);
    console.log(`subscription: cache re-read ${rereadMs.toFixed(0)} ms after Redis was back`);
    // Subscribed again: the next change is heard.
    await publish({ deploymentId: "team-a-fraud", teamId: A.teamId, name: A.name });
    await untilLoaded(A, before + 2);
  });
});
