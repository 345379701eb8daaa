import { describe, expect, it } from "vitest";
import {
  DEFAULT_DEPLOYMENT_CACHE_OPTIONS,
  DeploymentCache,
  type DeploymentCacheOptions,
  type DeploymentKey,
} from "@/server/gateway/deployment-cache";
import type { ServingDeployment } from "@/server/services/deployment/load-serving-deployment";

/** Two teams, each with a deployment named "fraud"; the loader counts its calls per key. */
function cacheOverTwoTeams() {
  const loads: string[] = [];
  let revision = 1;
  const cache = new DeploymentCache(async ({ teamId, name }: DeploymentKey) => {
    loads.push(`${teamId}/${name}`);
    if (name !== "fraud") return null;
    const deployment: ServingDeployment = {
      id: `${teamId}-fraud`,
      teamId,
      name,
      modelName: "card-fraud",
      device: "cpu",
      maxBatchSize: 64,
      maxQueueDelayMs: 2,
      predictionSampleRate: 0,
      revisionId: `${teamId}-r${revision}`,
      revisionNumber: revision,
      target: {
        kind: "versions",
        weights: [{ versionId: "v1", versionNumber: 1, weight: 100 }],
        shadows: [],
      },
      versions: new Map(),
    };
    return deployment;
  });
  return { cache, loads, bumpRevision: () => (revision += 1) };
}

describe("deployment cache", () => {
  it("keeps one entry per team and name: the same name in two teams is two deployments", async () => {
    const { cache, loads } = cacheOverTwoTeams();
    const a = await cache.get({ teamId: "team-a", name: "fraud" });
    const b = await cache.get({ teamId: "team-b", name: "fraud" });
    expect([a?.id, b?.id]).toEqual(["team-a-fraud", "team-b-fraud"]);
    await cache.get({ teamId: "team-a", name: "fraud" });
    expect(loads).toEqual(["team-a/fraud", "team-b/fraud"]);
  });

  it("drops only the team's entry a change names; the other team's stays cached", async () => {
    const { cache, loads, bumpRevision } = cacheOverTwoTeams();
    await cache.get({ teamId: "team-a", name: "fraud" });
    await cache.get({ teamId: "team-b", name: "fraud" });
    bumpRevision();
    cache.invalidate({ teamId: "team-b", name: "fraud" });
    expect((await cache.get({ teamId: "team-a", name: "fraud" }))?.revisionNumber).toBe(1);
    expect((await cache.get({ teamId: "team-b", name: "fraud" }))?.revisionNumber).toBe(2);
    expect(loads).toEqual(["team-a/fraud", "team-b/fraud", "team-b/fraud"]);
  });

  it("does not confuse keys whose parts would join to the same string", async () => {
    const { cache, loads } = cacheOverTwoTeams();
    await cache.get({ teamId: "a/b", name: "c" });
    await cache.get({ teamId: "a", name: "b/c" });
    expect(loads).toEqual(["a/b/c", "a/b/c"]);
  });

  it("forgets a failed load, so the next request tries again", async () => {
    let calls = 0;
    const cache = new DeploymentCache(async () => {
      calls += 1;
      if (calls === 1) throw new Error("database down");
      return null;
    });
    await expect(cache.get({ teamId: "t", name: "x" })).rejects.toThrow("database down");
    await expect(cache.get({ teamId: "t", name: "x" })).resolves.toBeNull();
    expect(calls).toBe(2);
  });
});

describe("deployment cache: unknown names", () => {
  function cacheOfNoDeployments(
    options: DeploymentCacheOptions = {
      ...DEFAULT_DEPLOYMENT_CACHE_OPTIONS,
      unknownNameTtlMs: 1_000,
      maxUnknownNames: 3,
      lookupsPerNamePerSecond: 2,
    },
  ) {
    let nowMs = 0;
    const loads: string[] = [];
    const created = new Set<string>();
    const cache = new DeploymentCache(
      async ({ teamId, name }: DeploymentKey) => {
        loads.push(name);
        if (!created.has(name)) return null;
        return {
          id: `${teamId}-${name}`,
          teamId,
          name,
          modelName: "m",
          device: "cpu",
          maxBatchSize: 1,
          maxQueueDelayMs: 1,
          predictionSampleRate: 0,
          revisionId: "r1",
          revisionNumber: 1,
          target: {
            kind: "versions",
            weights: [{ versionId: "v1", versionNumber: 1, weight: 100 }],
            shadows: [],
          },
          versions: new Map(),
        } satisfies ServingDeployment;
      },
      options,
      () => nowMs,
    );
    return { cache, loads, created, advance: (ms: number) => (nowMs += ms) };
  }

  it("answers an unknown name from memory until its ttl passes, then asks again and finds a deployment created since", async () => {
    const { cache, loads, created, advance } = cacheOfNoDeployments();
    expect(await cache.get({ teamId: "t", name: "later" })).toBeNull();
    created.add("later");
    advance(999);
    expect(await cache.get({ teamId: "t", name: "later" })).toBeNull();
    advance(1);
    expect((await cache.get({ teamId: "t", name: "later" }))?.name).toBe("later");
    expect(loads).toEqual(["later", "later"]);
  });

  it("finds a deployment at once when its creation is announced (invalidate), before the ttl", async () => {
    const { cache, created } = cacheOfNoDeployments();
    expect(await cache.get({ teamId: "t", name: "new" })).toBeNull();
    created.add("new");
    cache.invalidate({ teamId: "t", name: "new" });
    expect((await cache.get({ teamId: "t", name: "new" }))?.name).toBe("new");
  });

  it("shares one query among concurrent lookups of one name", async () => {
    const { cache, loads } = cacheOfNoDeployments();
    await Promise.all([1, 2, 3].map(() => cache.get({ teamId: "t", name: "x" })));
    expect(loads).toEqual(["x"]);
  });

  it("limits lookups per name: a name pushed out of the bounded memory and asked again gets 429", async () => {
    const { cache, loads } = cacheOfNoDeployments({
      ...DEFAULT_DEPLOYMENT_CACHE_OPTIONS,
      unknownNameTtlMs: 1_000,
      maxUnknownNames: 1,
      lookupsPerNamePerSecond: 2,
    });
    const lookUp = async (name: string) => cache.get({ teamId: "t", name });
    await lookUp("hot");
    await lookUp("other"); // pushes "hot" out of the unknown-name memory
    await lookUp("hot");
    await lookUp("other");
    await expect(lookUp("hot")).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      httpStatus: 429,
      message: "too many lookups of unknown deployment 'hot'; retry in 1 s",
    });
    expect(loads.filter((name) => name === "hot")).toHaveLength(2);
  });

  it("never limits a deployment that exists, however often a change drops it", async () => {
    const { cache, created, loads } = cacheOfNoDeployments();
    created.add("busy");
    for (let change = 0; change < 20; change++) {
      expect((await cache.get({ teamId: "t", name: "busy" }))?.name).toBe("busy");
      cache.invalidate({ teamId: "t", name: "busy" });
    }
    expect(loads).toHaveLength(20);
  });
});

describe("deployment cache: the registry database hanging", () => {
  const options = { ...DEFAULT_DEPLOYMENT_CACHE_OPTIONS, lookupTimeoutMs: 30 };

  it("gives up on a hung lookup after the timeout, and sends one query per name however many wait", async () => {
    let calls = 0;
    const cache = new DeploymentCache(() => {
      calls += 1;
      return new Promise<never>(() => undefined);
    }, options);
    const waits = [1, 2, 3].map(() => cache.get({ teamId: "t", name: "fraud" }));
    for (const wait of waits)
      await expect(wait).rejects.toMatchObject({
        code: "UNAVAILABLE",
        message:
          "deployment 'fraud' cannot be looked up: the registry database did not answer within 30 ms; retry later",
      });
    await expect(cache.get({ teamId: "t", name: "fraud" })).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(calls).toBe(1);
  });
});
