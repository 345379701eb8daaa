import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { deploymentChangedChannel, type DeploymentChangedMessage } from "@/server/contracts/channels";
import { getRedis } from "@/server/redis";
import { readDemoFile } from "@/test/support/demo-files";
import { expectNoInternals } from "@/test/support/internal-ids";
import { callerFor, createTeam, uploadForm } from "@/test/support/trpc-caller";

const api = callerFor();
const subscriber = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const announced: string[] = [];
const messages: DeploymentChangedMessage[] = [];

beforeAll(async () => {
  await createTeam("other-team");
  await api.model.create({ name: "card-fraud" });
  for (const file of ["fraud-v1.onnx", "fraud-v2.onnx", "fraud-v3.onnx"]) {
    await api.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: await readDemoFile(file) }));
  }
  await subscriber.subscribe(deploymentChangedChannel(readEnv().REDIS_KEY_PREFIX));
  subscriber.on("message", (_channel, raw: string) => {
    const message = JSON.parse(raw) as DeploymentChangedMessage;
    announced.push(message.name);
    messages.push(message);
  });
});

afterAll(async () => {
  subscriber.disconnect();
  await getRedis().quit();
});

const weightsOf = async (name: string) =>
  (await api.deployment.byName({ name })).activeRevision.target.weights.map((entry) => [
    entry.versionNumber,
    entry.weight,
  ]);

describe("deployments", () => {
  it("start with revision 1 sending everything to one version, and announce themselves", async () => {
    const created = await api.deployment.create({
      name: "fraud-prod",
      modelName: "card-fraud",
      versionNumber: 1,
      environment: "production",
      maxBatchSize: 64,
      maxQueueDelayMs: 3,
    });
    expect(created).toMatchObject({
      name: "fraud-prod",
      environment: "production",
      maxBatchSize: 64,
      maxQueueDelayMs: 3,
      device: "cpu",
    });
    const deployment = await api.deployment.byName({ name: "fraud-prod" });
    expect(deployment.activeRevision).toMatchObject({ number: 1, strategy: "initial" });
    expect(await weightsOf("fraud-prod")).toEqual([[1, 100]]);
    expect(deployment.rollbackTo).toBeNull();
    expect(deployment.inferUrl).toMatch(/\/v2\/models\/fraud-prod\/infer$/);
    await expect.poll(() => announced).toContain("fraud-prod");
    expect((await api.deployment.list()).map((entry) => entry.name)).toEqual(["fraud-prod"]);
  });

  it("refuse a duplicate name, an unknown model or version, and bad settings", async () => {
    await expect(
      api.deployment.create({ name: "fraud-prod", modelName: "card-fraud", versionNumber: 1 }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: "a deployment named 'fraud-prod' already exists" });
    await expect(
      api.deployment.create({ name: "x", modelName: "ghost", versionNumber: 1 }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "model 'ghost' does not exist" });
    await expect(
      api.deployment.create({ name: "x", modelName: "card-fraud", versionNumber: 9 }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "model 'card-fraud' has no version 9" });
    await expect(
      api.deployment.create({ name: "x", modelName: "card-fraud", versionNumber: 1, maxBatchSize: 0 }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^Max batch size must be /),
    });
    await expect(api.deployment.byName({ name: "ghost" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "deployment 'ghost' does not exist",
    });
  });

  it("canary, weights, promote, shadow and rollback each make a revision", async () => {
    const change = (change: Parameters<typeof api.deployment.changeTraffic>[0]["change"]) =>
      api.deployment.changeTraffic({ name: "fraud-prod", change });
    expect(await change({ kind: "canary", versionNumber: 2, weightPercent: 10 })).toMatchObject({
      number: 2,
      strategy: "canary",
      reason: "v1 100% → 90%, v2 0% → 10%",
    });
    expect(await weightsOf("fraud-prod")).toEqual([
      [1, 90],
      [2, 10],
    ]);
    expect(
      await change({
        kind: "weights",
        weights: [
          { versionNumber: 1, weight: 50 },
          { versionNumber: 2, weight: 50 },
        ],
      }),
    ).toMatchObject({ number: 3, strategy: "weights" });
    expect(await change({ kind: "addShadow", versionNumber: 3 })).toMatchObject({
      number: 4,
      strategy: "shadow",
      reason: "shadow v3",
    });
    expect(
      (await api.deployment.byName({ name: "fraud-prod" })).activeRevision.target.shadows.map(
        (shadow) => shadow.versionNumber,
      ),
    ).toEqual([3]);
    // The model's version list says where each version serves.
    const servedBy = Object.fromEntries(
      (await api.model.byName({ name: "card-fraud" })).versions.map((version) => [
        version.number,
        version.servedBy.map(
          (place) => `${place.deploymentName} ${place.shadow ? "shadow" : place.weightPercent}`,
        ),
      ]),
    );
    expect(servedBy).toMatchObject({ 1: ["fraud-prod 50"], 2: ["fraud-prod 50"], 3: ["fraud-prod shadow"] });
    // The announcement names what serving workers should load: both weighted versions and the shadow.
    const versions = await getDb().modelVersion.findMany({
      where: { model: { name: "card-fraud" } },
      select: { id: true, artifactSha256: true },
      orderBy: { number: "asc" },
    });
    await expect
      .poll(() => messages.filter((message) => message.name === "fraud-prod").at(-1)?.serves)
      .toEqual({
        device: "cpu",
        versions: versions.map(({ id, artifactSha256 }) => ({ versionId: id, artifactSha256 })),
      });
    expect(await change({ kind: "promote", versionNumber: 2 })).toMatchObject({
      number: 5,
      strategy: "promote",
      reason: "promote v2 to 100%",
    });
    expect(await weightsOf("fraud-prod")).toEqual([[2, 100]]);

    const rolledBack = await change({ kind: "rollback" });
    expect(rolledBack).toMatchObject({
      number: 6,
      strategy: "rollback",
      reason: expect.stringMatching(/^rollback to revision 4: /),
    });
    expect(await weightsOf("fraud-prod")).toEqual([
      [1, 50],
      [2, 50],
    ]);
    // A second rollback returns to what the first one replaced.
    expect(await change({ kind: "rollback" })).toMatchObject({
      number: 7,
      reason: expect.stringMatching(/^rollback to revision 5: /),
    });
    expect(await weightsOf("fraud-prod")).toEqual([[2, 100]]);

    const history = (await api.deployment.byName({ name: "fraud-prod" })).revisions;
    expect(history.map((revision) => revision.number)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const audit = await getDb().auditEvent.findMany({
      where: { targetType: "deployment" },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map((event) => event.action)).toEqual([
      "deployment.create",
      "deployment.canary",
      "deployment.weights",
      "deployment.addShadow",
      "deployment.promote",
      "deployment.rollback",
      "deployment.rollback",
    ]);
  });

  it("refuse changes that make no sense, naming why, and keep the active revision", async () => {
    const before = (await api.deployment.byName({ name: "fraud-prod" })).activeRevision.number;
    const change = (change: Parameters<typeof api.deployment.changeTraffic>[0]["change"]) =>
      api.deployment.changeTraffic({ name: "fraud-prod", change });
    await expect(change({ kind: "promote", versionNumber: 2 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(change({ kind: "promote", versionNumber: 42 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "the model of deployment 'fraud-prod' has no version 42",
    });
    await expect(
      change({
        kind: "weights",
        weights: [
          { versionNumber: 1, weight: 60 },
          { versionNumber: 2, weight: 60 },
        ],
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/100/) });
    await expect(change({ kind: "canary", versionNumber: 3, weightPercent: 100 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^Weight percent must be /),
    });
    await expect(change({ kind: "removeShadow", versionNumber: 1 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      api.deployment.changeTraffic({ name: "ghost", change: { kind: "rollback" } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await api.deployment.byName({ name: "fraud-prod" })).activeRevision.number).toBe(before);
  });

  it("serialize concurrent changes into consecutive revisions", async () => {
    await api.deployment.create({ name: "fraud-race", modelName: "card-fraud", versionNumber: 1 });
    const changes = await Promise.allSettled(
      [2, 3, 1, 2, 3, 1].map((versionNumber) =>
        api.deployment.changeTraffic({ name: "fraud-race", change: { kind: "promote", versionNumber } }),
      ),
    );
    const made = changes
      .filter((result) => result.status === "fulfilled")
      .map((result) => (result as PromiseFulfilledResult<{ number: number }>).value.number);
    expect(made.sort((a, b) => a - b)).toEqual(Array.from({ length: made.length }, (_, index) => index + 2));
    const history = (await api.deployment.byName({ name: "fraud-race" })).revisions;
    expect(history[0]!.number).toBe(made.length + 1);
  });

  it("update batching settings and announce them", async () => {
    announced.length = 0;
    const updated = await api.deployment.updateSettings({
      name: "fraud-prod",
      settings: { maxBatchSize: 128, maxQueueDelayMs: 5 },
    });
    expect(updated).toMatchObject({ maxBatchSize: 128, maxQueueDelayMs: 5 });
    await expect.poll(() => announced).toContain("fraud-prod");
  });

  it("change only the setting an update names, leaving every other one as it was", async () => {
    // Every setting away from its default, so a default sneaking back in shows.
    const nonDefaults = {
      environment: "production",
      maxBatchSize: 16,
      maxQueueDelayMs: 7,
      replicas: 3,
      device: "cuda",
    } as const;
    await api.deployment.create({
      name: "fraud-settings",
      modelName: "card-fraud",
      versionNumber: 1,
      ...nonDefaults,
    });
    const before = await getDb().deployment.findFirstOrThrow({ where: { name: "fraud-settings" } });
    expect(before).toMatchObject(nonDefaults);

    await api.deployment.updateSettings({ name: "fraud-settings", settings: { maxBatchSize: 128 } });

    const after = await getDb().deployment.findFirstOrThrow({ where: { name: "fraud-settings" } });
    const { maxBatchSize: _before, updatedAt: _beforeAt, ...restBefore } = before;
    const { maxBatchSize, updatedAt: _afterAt, ...restAfter } = after;
    expect(maxBatchSize).toBe(128);
    expect(restAfter).toEqual(restBefore);
    expect(await api.deployment.byName({ name: "fraud-settings" })).toMatchObject({
      ...nonDefaults,
      maxBatchSize: 128,
    });
  });

  it("refuse a settings update that names no setting", async () => {
    await expect(
      api.deployment.updateSettings({ name: "fraud-settings", settings: {} }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Name at least one setting to change.",
    });
  });

  it("reach the client without team ids, row ids or version ids", async () => {
    await expectNoInternals(
      await api.deployment.byName({ name: "fraud-prod" }),
      await api.deployment.list(),
      await api.deployment.create({ name: "fraud-fresh", modelName: "card-fraud", versionNumber: 2 }),
      await api.deployment.updateSettings({ name: "fraud-fresh", settings: { replicas: 2 } }),
      await api.deployment.changeTraffic({
        name: "fraud-fresh",
        change: { kind: "addShadow", versionNumber: 3 },
      }),
    );
  });

  it("are scoped to the team", async () => {
    expect(await callerFor("other-team").deployment.list()).toEqual([]);
    await expect(callerFor("other-team").deployment.byName({ name: "fraud-prod" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("a deployment's timeline", () => {
  const name = "fraud-timeline";
  const change = (change: Parameters<typeof api.deployment.changeTraffic>[0]["change"]) =>
    api.deployment.changeTraffic({ name, change });

  it("says what served from when to when, and restores any earlier point as a new revision", async () => {
    await api.deployment.create({ name, modelName: "card-fraud", versionNumber: 1 });
    await change({ kind: "canary", versionNumber: 2, weightPercent: 25 });
    await change({ kind: "promote", versionNumber: 3 });
    const { revisions } = await api.deployment.byName({ name });
    expect(revisions.map((revision) => [revision.number, revision.servedUntil])).toEqual([
      [3, null],
      [2, revisions[0]!.createdAt],
      [1, revisions[1]!.createdAt],
    ]);

    // What served at a moment inside revision 2's period: its versions and weights, from and until.
    const canaryFrom = revisions[1]!.createdAt;
    const during = new Date((canaryFrom.getTime() + revisions[0]!.createdAt.getTime()) / 2);
    expect(await api.deployment.servedAt({ name, at: during })).toMatchObject({
      number: 2,
      strategy: "canary",
      createdAt: canaryFrom,
      servedUntil: revisions[0]!.createdAt,
      target: {
        weights: [
          { versionNumber: 1, weight: 75 },
          { versionNumber: 2, weight: 25 },
        ],
      },
    });
    expect((await api.deployment.servedAt({ name, at: new Date() })).servedUntil).toBeNull();
    await expect(
      api.deployment.servedAt({ name, at: new Date("2020-01-01T00:00:00Z") }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringMatching(
        /^deployment 'fraud-timeline' did not exist yet at 2020-01-01T00:00:00.000Z/,
      ),
    });

    // Restore revision 2 in one step: a new revision with its target, audited.
    expect(await change({ kind: "restore", revisionNumber: 2 })).toMatchObject({
      number: 4,
      strategy: "restore",
      reason: "restore to revision 2: v1 0% → 75%, v2 0% → 25%, v3 100% → 0%",
    });
    expect(await weightsOf(name)).toEqual([
      [1, 75],
      [2, 25],
    ]);
    const audit = await getDb().auditEvent.findFirstOrThrow({
      where: { action: "deployment.restore" },
      select: { actor: true, data: true },
    });
    expect(audit.data).toMatchObject({
      before: { revision: { number: 3 } },
      after: { revision: { number: 4 } },
    });
  });

  it("refuses to restore the active revision or one that does not exist, naming it", async () => {
    await expect(change({ kind: "restore", revisionNumber: 4 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "revision 4 of deployment 'fraud-timeline' is the active one; nothing to restore",
    });
    await expect(change({ kind: "restore", revisionNumber: 99 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "deployment 'fraud-timeline' has no revision 99 (the active one is 4)",
    });
    expect((await api.deployment.byName({ name })).activeRevision.number).toBe(4);
  });
});
