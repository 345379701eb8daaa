import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { getRedis } from "@/server/redis";
import { fixedBatchOneModel, twoInputModel } from "@/test/fixtures/odd-models";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// Every mutation of every router leaves one audit event naming who did what to which target,
// with the target as it was and as it is. (The upload mutations have their own tests.)
const api = callerFor();

afterAll(() => getRedis().quit());

async function eventsOf(targetId: string) {
  const events = await getDb().auditEvent.findMany({ where: { targetId }, orderBy: { createdAt: "asc" } });
  return events.map(({ actor, action, targetType, targetId, data, teamId }) => ({
    actor,
    action,
    targetType,
    targetId,
    teamId,
    ...(data as { before: unknown; after: unknown }),
  }));
}

let teamId: string;
beforeAll(async () => {
  teamId = (await getDb().team.findUniqueOrThrow({ where: { slug: "default" } })).id;
});

describe("audit events", () => {
  it("model router: create records the new model", async () => {
    await api.model.create({ name: "audited", description: "kept", task: "regression" });
    const model = await getDb().model.findFirstOrThrow({ where: { name: "audited" } });
    expect(await eventsOf(model.id)).toEqual([
      {
        actor: "test",
        action: "model.create",
        targetType: "model",
        targetId: model.id,
        teamId,
        before: null,
        after: { name: "audited", description: "kept", task: "regression" },
      },
    ]);
  });

  it("featureSet router: create records the new feature set", async () => {
    await api.featureSet.create({ name: "audited-features" });
    const featureSet = await getDb().featureSet.findFirstOrThrow({ where: { name: "audited-features" } });
    expect(await eventsOf(featureSet.id)).toEqual([
      {
        actor: "test",
        action: "featureSet.create",
        targetType: "featureSet",
        targetId: featureSet.id,
        teamId,
        before: null,
        after: { name: "audited-features", description: "" },
      },
    ]);
  });

  it("modelVersion router: linking and unlinking a feature set record the link before and after", async () => {
    await api.model.create({ name: "four-in" });
    await api.modelVersion.upload(uploadForm({ modelName: "four-in", file: fixedBatchOneModel() }));
    const { id: versionId } = await getDb().modelVersion.findFirstOrThrow({
      where: { model: { name: "four-in" }, number: 1 },
    });
    await api.featureSet.create({ name: "four-wide" });
    await api.featureSet.createVersion(
      uploadForm({ featureSetName: "four-wide", file: new TextEncoder().encode("a,b,c,d\n1,2,3,4\n") }),
    );
    const link = { name: "four-wide", version: 1 };
    await api.modelVersion.linkFeatureSet({ modelName: "four-in", number: 1, featureSet: link });
    await api.modelVersion.linkFeatureSet({ modelName: "four-in", number: 1, featureSet: null });
    const linkEvents = (await eventsOf(versionId)).filter(
      (event) => event.action === "modelVersion.linkFeatureSet",
    );
    const common = { actor: "test", targetType: "modelVersion", targetId: versionId, teamId };
    expect(linkEvents).toEqual([
      {
        ...common,
        action: "modelVersion.linkFeatureSet",
        before: { featureSet: null },
        after: { featureSet: link },
      },
      {
        ...common,
        action: "modelVersion.linkFeatureSet",
        before: { featureSet: link },
        after: { featureSet: null },
      },
    ]);
  });

  it("deployment router: create, updateSettings and changeTraffic record the deployment before and after", async () => {
    await api.model.create({ name: "served" });
    await api.modelVersion.upload(uploadForm({ modelName: "served", file: twoInputModel() }));
    await api.modelVersion.upload(uploadForm({ modelName: "served", file: fixedBatchOneModel() }));
    const settings = {
      environment: "production",
      maxBatchSize: 8,
      maxQueueDelayMs: 4,
      replicas: 2,
      device: "cpu",
      predictionSampleRate: 0.25,
    } as const;
    await api.deployment.create({ name: "served-prod", modelName: "served", versionNumber: 1, ...settings });
    const { id: deploymentId } = await getDb().deployment.findFirstOrThrow({
      where: { name: "served-prod" },
    });
    await api.deployment.updateSettings({ name: "served-prod", settings: { replicas: 5 } });
    await api.deployment.changeTraffic({
      name: "served-prod",
      change: { kind: "canary", versionNumber: 2, weightPercent: 20 },
    });

    const versionIds = await getDb().modelVersion.findMany({
      where: { model: { name: "served" } },
      orderBy: { number: "asc" },
      select: { id: true },
    });
    const [v1, v2] = versionIds.map((version) => version.id);
    const initialRevision = {
      number: 1,
      strategy: "initial",
      reason: "v1 at 100%",
      target: { kind: "versions", weights: [{ versionId: v1, versionNumber: 1, weight: 100 }], shadows: [] },
    };
    const common = { actor: "test", targetType: "deployment", targetId: deploymentId, teamId };
    expect(await eventsOf(deploymentId)).toEqual([
      {
        ...common,
        action: "deployment.create",
        before: null,
        after: { name: "served-prod", modelName: "served", ...settings, revision: initialRevision },
      },
      {
        ...common,
        action: "deployment.updateSettings",
        before: settings,
        after: { ...settings, replicas: 5 },
      },
      {
        ...common,
        action: "deployment.canary",
        before: { revision: initialRevision },
        after: {
          revision: {
            number: 2,
            strategy: "canary",
            reason: "v1 100% → 80%, v2 0% → 20%",
            target: {
              kind: "versions",
              weights: [
                { versionId: v1, versionNumber: 1, weight: 80 },
                { versionId: v2, versionNumber: 2, weight: 20 },
              ],
              shadows: [],
            },
          },
        },
      },
    ]);
  });

  it("a refused mutation records nothing", async () => {
    const before = await getDb().auditEvent.count();
    await expect(api.model.create({ name: "audited" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(
      api.deployment.changeTraffic({ name: "served-prod", change: { kind: "promote", versionNumber: 9 } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await getDb().auditEvent.count()).toBe(before);
  });
});
