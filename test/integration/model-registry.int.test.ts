import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { artifactPath } from "@/server/storage/artifact-store";
import {
  boolInputModel,
  fixedBatchOneModel,
  int64InputModel,
  multiOutputModel,
  stringInputModel,
  twoInputModel,
} from "@/test/fixtures/odd-models";
import { readDemoFile } from "@/test/support/demo-files";
import { expectNoInternals } from "@/test/support/internal-ids";
import { callerFor, createTeam, uploadForm } from "@/test/support/trpc-caller";

const api = callerFor();
let fraudV1: Uint8Array;
let fraudV2: Uint8Array;

beforeAll(async () => {
  await createTeam("other-team");
  fraudV1 = await readDemoFile("fraud-v1.onnx");
  fraudV2 = await readDemoFile("fraud-v2.onnx");
  await api.model.create({
    name: "card-fraud",
    description: "Card fraud scoring",
    task: "binary-classification",
  });
});

function upload(modelName: string, file: Uint8Array, metadata?: unknown) {
  return api.modelVersion.upload(
    uploadForm({
      modelName,
      file,
      ...(metadata === undefined ? {} : { metadata: JSON.stringify(metadata) }),
    }),
  );
}

async function storedArtifactFiles(): Promise<string[]> {
  const root = process.env.ARTIFACT_DIR!;
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe("models", () => {
  it("are created, listed and searched", async () => {
    await api.model.create({
      name: "churn",
      description: "Who leaves next month",
      task: "binary-classification",
    });
    await api.model.create({ name: "eta", description: "Delivery time", task: "regression" });
    expect((await api.model.list({ query: "" })).map((model) => model.name).sort()).toEqual([
      "card-fraud",
      "churn",
      "eta",
    ]);
    expect((await api.model.list({ query: "FRAUD" })).map((model) => model.name)).toEqual(["card-fraud"]);
    expect((await api.model.list({ query: "regression" })).map((model) => model.name)).toEqual(["eta"]);
    expect(await api.model.list({ query: "no-such-thing" })).toEqual([]);
  });

  it("refuse a duplicate or malformed name with a message naming it", async () => {
    await expect(api.model.create({ name: "card-fraud" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "a model named 'card-fraud' already exists",
    });
    await expect(api.model.create({ name: "Card Fraud!" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^Name may contain lowercase/),
    });
  });

  it("answer NOT_FOUND for an unknown model", async () => {
    await expect(api.model.byName({ name: "ghost" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "model 'ghost' does not exist",
    });
  });

  it("are scoped to the caller's team", async () => {
    const other = callerFor("other-team");
    expect(await other.model.list({ query: "" })).toEqual([]);
    await expect(other.model.byName({ name: "card-fraud" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      other.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: fraudV1 })),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("uploading a version", () => {
  it("stores the artifact by sha256 and reads the signature, header, metrics and lineage", async () => {
    const created = await upload("card-fraud", fraudV1, {
      description: "logistic regression",
      metrics: { auc: 0.81, accuracy: 0.97 },
      gitCommit: "3f2c9a1",
      dataRef: "synthetic://card-fraud?seed=42",
      tags: { owner: "risk" },
    });
    expect(created.number).toBe(1);
    const version = await api.modelVersion.byNumber({ modelName: "card-fraud", number: 1 });
    expect(version.signature).toEqual({
      inputs: [{ name: "features", elementType: "float32", shape: ["batch", 14] }],
      outputs: [
        { name: "probability", elementType: "float32", shape: ["batch", 1] },
        { name: "label", elementType: "int64", shape: ["batch"] },
      ],
    });
    expect(version).toMatchObject({
      artifactSizeBytes: fraudV1.byteLength,
      producerName: "mlops-console",
      description: "logistic regression",
      metrics: { auc: 0.81, accuracy: 0.97 },
      gitCommit: "3f2c9a1",
      dataRef: "synthetic://card-fraud?seed=42",
      tags: { owner: "risk" },
      status: "registered",
    });
    expect(version.irVersion).toBeGreaterThan(0);
    expect(version.opsetImports.some((opset) => opset.domain === "" && opset.version > 0)).toBe(true);
    const row = await getDb().modelVersion.findFirstOrThrow({
      where: { artifactSha256: version.artifactSha256 },
    });
    expect(row.storageKey).toBe(`sha256/${version.artifactSha256.slice(0, 2)}/${version.artifactSha256}`);
    const stored = await stat(artifactPath(row.storageKey));
    expect(stored.size).toBe(fraudV1.byteLength);
  });

  it("reach the client without storage keys, team ids or row ids", async () => {
    await expectNoInternals(
      await api.modelVersion.byNumber({ modelName: "card-fraud", number: 1 }),
      await api.model.byName({ name: "card-fraud" }),
      await api.model.list({ query: "" }),
      await api.model.create({ name: "fresh" }),
      await upload("fresh", fraudV2),
    );
  });

  it("numbers concurrent uploads densely", async () => {
    await api.model.create({ name: "race" });
    const files = [fraudV1, fraudV2, fixedBatchOneModel(), twoInputModel()];
    const results = await Promise.all(files.map((file) => upload("race", file)));
    expect(results.map((result) => result.number).sort()).toEqual([1, 2, 3, 4]);
  });

  it("reads the signature of odd models: fixed batch, several inputs and outputs, int64, bool and string tensors", async () => {
    await api.model.create({ name: "odd" });
    const cases = [
      [
        fixedBatchOneModel(),
        {
          inputs: [{ name: "x", elementType: "float32", shape: [1, 4] }],
          outputs: [{ name: "y", elementType: "float32", shape: [1, 2] }],
        },
      ],
      [
        twoInputModel(),
        {
          inputs: [
            { name: "a", elementType: "float32", shape: ["batch", 3] },
            { name: "b", elementType: "float32", shape: ["batch", 2] },
          ],
          outputs: [{ name: "joined", elementType: "float32", shape: ["batch", 5] }],
        },
      ],
      [
        int64InputModel(),
        {
          inputs: [{ name: "counts", elementType: "int64", shape: ["batch", 3] }],
          outputs: [{ name: "total", elementType: "float32", shape: ["batch"] }],
        },
      ],
      [
        boolInputModel(),
        {
          inputs: [{ name: "flags", elementType: "bool", shape: ["batch", 2] }],
          outputs: [{ name: "inverted", elementType: "bool", shape: ["batch", 2] }],
        },
      ],
      [
        stringInputModel(),
        {
          inputs: [{ name: "word", elementType: "string", shape: ["batch"] }],
          outputs: [{ name: "word_id", elementType: "int64", shape: ["batch"] }],
        },
      ],
      [
        multiOutputModel(),
        {
          inputs: [{ name: "x", elementType: "float32", shape: ["batch", 3] }],
          outputs: [
            { name: "total", elementType: "float32", shape: ["batch"] },
            { name: "argmax", elementType: "int64", shape: ["batch"] },
          ],
        },
      ],
    ] as const;
    for (const [file, signature] of cases) {
      const { number } = await upload("odd", file);
      expect((await api.modelVersion.byNumber({ modelName: "odd", number })).signature).toEqual(signature);
    }
    const stringVersion = await api.modelVersion.byNumber({ modelName: "odd", number: 5 });
    expect(stringVersion.opsetImports.map((opset) => opset.domain)).toContain("ai.onnx.ml");
  });
});

describe("bad uploads are refused with a message naming the problem, and nothing is written", () => {
  it.each([
    ["an empty file", () => new Uint8Array(), /the file is empty/],
    ["a text file", () => new TextEncoder().encode("name,amount\nalice,3\n"), /not an ONNX model/],
    [
      "a truncated model",
      () => fraudV2.slice(0, Math.floor(fraudV2.byteLength / 2)),
      /not an ONNX model: .*truncated or corrupt/,
    ],
    [
      "random bytes",
      () => Uint8Array.from({ length: 4096 }, (_, index) => (index * 7919 + 13) % 256),
      /not an ONNX model/,
    ],
    ["a header without a graph", () => Uint8Array.from([0x08, 0x08, 0x12, 0x01, 0x78]), /no model graph/],
  ])("%s", async (_label, makeFile, message) => {
    const versionsBefore = await getDb().modelVersion.count();
    const filesBefore = await storedArtifactFiles();
    await expect(upload("card-fraud", makeFile())).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(message),
    });
    expect(await getDb().modelVersion.count()).toBe(versionsBefore);
    expect(await storedArtifactFiles()).toEqual(filesBefore);
  });

  it("a model whose graph onnxruntime cannot load", async () => {
    // A valid protobuf header and graph field, but the graph bytes are garbage.
    const header = Uint8Array.from([0x08, 0x08, 0x3a, 0x04, 0xff, 0xff, 0xff, 0xff]);
    await expect(upload("card-fraud", header)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/ONNX|onnxruntime/),
    });
  });

  it("the same file twice for one model, naming the existing version", async () => {
    await expect(upload("card-fraud", fraudV1)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/already registered as version 1 of 'card-fraud'/),
    });
  });

  it("an upload without a file, or for an unknown model", async () => {
    await expect(api.modelVersion.upload(uploadForm({ modelName: "card-fraud" }))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "the upload has no 'file' file part",
    });
    await expect(upload("ghost", fraudV2)).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "model 'ghost' does not exist",
    });
  });

  it("metadata that is not JSON or has wrong types, naming the field", async () => {
    await expect(
      api.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: fraudV2, metadata: "{auc:" })),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/'metadata' part is not valid JSON/),
    });
    await expect(upload("card-fraud", fraudV2, { metrics: { auc: "high" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Auc must be a number.",
    });
    await expect(upload("card-fraud", fraudV2, { gitCommit: "not a commit" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^GitCommit must be /),
    });
  });

  it("leaves no partial files behind", async () => {
    const files = await storedArtifactFiles();
    expect(files.filter((file) => file.endsWith(".partial"))).toEqual([]);
  });
});
