import { describe, expect, it } from "vitest";
import { DeploymentCache, type DeploymentKey } from "@/server/gateway/deployment-cache";
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
