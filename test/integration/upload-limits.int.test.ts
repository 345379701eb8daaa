import { beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "@/server/db";
import { readDemoFile } from "@/test/support/demo-files";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// A process reads its environment once, so the limits are set before anything reads it: this file
// has its own module graph, and runs as a console configured with small limits would.
vi.hoisted(() => {
  process.env.MAX_ARTIFACT_BYTES = "1024";
  process.env.MAX_FEATURE_SAMPLE_BYTES = "1024";
  process.env.MAX_FEATURE_SAMPLE_ROWS = "200";
});

const api = callerFor();

beforeAll(async () => {
  await api.model.create({ name: "card-fraud", description: "", task: "binary-classification" });
  await api.featureSet.create({ name: "samples" });
});

function createVersion(csv: string | Uint8Array) {
  const file = typeof csv === "string" ? new TextEncoder().encode(csv) : csv;
  return api.featureSet.createVersion(uploadForm({ featureSetName: "samples", file }));
}

describe("uploads over the configured limits are refused and write nothing", () => {
  it("an ONNX file over MAX_ARTIFACT_BYTES", async () => {
    const fraudV2 = await readDemoFile("fraud-v2.onnx");
    await expect(
      api.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: fraudV2 })),
    ).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: expect.stringMatching(/over the 1 KiB upload limit/),
    });
    expect(await getDb().modelVersion.count()).toBe(0);
  });

  it("a CSV sample over MAX_FEATURE_SAMPLE_BYTES; one at the limit is fine", async () => {
    await expect(createVersion(await readDemoFile("fraud-sample.csv"))).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: "the sample is 127.4 KiB, over the 1 KiB limit",
    });
    expect(await getDb().featureSetVersion.count()).toBe(0);
    const atTheLimit = "x,y\n" + "1,abc\n".repeat(170);
    expect(new TextEncoder().encode(atTheLimit).byteLength).toBe(1024);
    expect(await createVersion(atTheLimit)).toMatchObject({ number: 1, sampleRowCount: 170 });
  });

  it("more rows than MAX_FEATURE_SAMPLE_ROWS; as many is fine", async () => {
    const versionsBefore = await getDb().featureSetVersion.count();
    await expect(createVersion("x\n" + "1\n".repeat(201))).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: "the CSV file has more than 200 data rows; upload a sample of at most 200 rows",
    });
    expect(await getDb().featureSetVersion.count()).toBe(versionsBefore);
    expect(await createVersion("x\n" + "1\n".repeat(200))).toMatchObject({ sampleRowCount: 200 });
  });
});
