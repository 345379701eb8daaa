import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { readDemoFile } from "@/test/support/demo-files";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// callerFor acts as "test"; the API passes its own actor the same way.
const api = callerFor();

async function auditEvents(action: string) {
  return getDb().auditEvent.findMany({ where: { action }, orderBy: { createdAt: "asc" } });
}

beforeAll(async () => {
  await api.model.create({ name: "audited" });
  await api.featureSet.create({ name: "audited-features" });
});

describe("upload mutations write an audit event in their transaction", () => {
  it("modelVersion.upload records the registered version's fields", async () => {
    const file = await readDemoFile("fraud-v1.onnx");
    const metadata = {
      description: "first",
      metrics: { auc: 0.8 },
      gitCommit: "abc1234",
      tags: { team: "risk" },
    };
    const created = await api.modelVersion.upload(
      uploadForm({ modelName: "audited", file, metadata: JSON.stringify(metadata) }),
    );
    const version = await api.modelVersion.byNumber({ modelName: "audited", number: created.number });
    const row = await getDb().modelVersion.findFirstOrThrow({
      where: { number: created.number, model: { name: "audited" } },
      select: { id: true, teamId: true },
    });
    const [event, ...others] = await auditEvents("modelVersion.register");
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      teamId: row.teamId,
      actor: "test",
      targetType: "modelVersion",
      targetId: row.id,
      data: {
        before: null,
        after: {
          modelName: "audited",
          number: 1,
          status: "registered",
          description: "first",
          artifactSha256: version.artifactSha256,
          artifactSizeBytes: file.byteLength,
          signature: version.signature,
          irVersion: version.irVersion,
          opsetImports: version.opsetImports,
          producerName: version.producerName,
          metrics: { auc: 0.8 },
          gitCommit: "abc1234",
          dataRef: null,
          tags: { team: "risk" },
          featureSet: null,
        },
      },
    });
  });

  it("featureSet.createVersion records the new version's features, baseline and sample", async () => {
    const sample = new TextEncoder().encode("amount,country\n12.5,US\n3,FR\n");
    const created = await api.featureSet.createVersion(
      uploadForm({ featureSetName: "audited-features", file: sample }),
    );
    const version = await api.featureSet.versionByNumber({
      name: "audited-features",
      number: created.number,
    });
    const row = await getDb().featureSetVersion.findFirstOrThrow({
      where: { number: created.number, featureSet: { name: "audited-features" } },
      select: { id: true, teamId: true },
    });
    const [event, ...others] = await auditEvents("featureSetVersion.create");
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      teamId: row.teamId,
      actor: "test",
      targetType: "featureSetVersion",
      targetId: row.id,
      data: {
        before: null,
        after: {
          featureSetName: "audited-features",
          number: 1,
          features: version.features,
          baseline: version.baseline,
          sampleRowCount: 2,
          sampleSha256: version.sampleSha256,
        },
      },
    });
  });

  it("a refused upload records nothing", async () => {
    const before = await getDb().auditEvent.count();
    await expect(
      api.featureSet.createVersion(
        uploadForm({ featureSetName: "audited-features", file: new Uint8Array() }),
      ),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      api.modelVersion.upload(uploadForm({ modelName: "audited", file: new Uint8Array([1, 2, 3]) })),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await getDb().auditEvent.count()).toBe(before);
  });
});
