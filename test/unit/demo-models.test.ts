import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binaryMetrics, type BinaryMetrics } from "@/scripts/demo/binary-metrics";
import { FRAUD_FEATURES, LABEL_COLUMN } from "@/scripts/demo/fraud-dataset";
import { makeDemoModels, type DemoManifest } from "@/scripts/demo/make-demo-models";

// Generation writes an 84 MB benchmark model per directory; two runs take several seconds.
const GENERATION_TIMEOUT_MS = 120_000;

let firstDir: string;
let secondDir: string;
let manifest: DemoManifest;

const fraudModels = () => manifest.models.filter((model) => model.task === "binary-classification");
const fraudMetrics = (version: number) =>
  fraudModels().find((model) => model.version === version)!.metrics as BinaryMetrics;

/** Encodes CSV records from the feature spec alone, independently of the generator's encoder. */
function encodeRecords(records: Record<string, string>[]): Float32Array {
  const data = new Float32Array(records.length * FRAUD_FEATURES.length);
  records.forEach((record, row) => {
    FRAUD_FEATURES.forEach((feature, column) => {
      const cell = record[feature.name] as string;
      const value =
        feature.dtype === "category"
          ? feature.categories.indexOf(cell)
          : feature.dtype === "bool"
            ? Number(cell === "true")
            : Number(cell);
      data[row * FRAUD_FEATURES.length + column] = value;
    });
  });
  return data;
}

beforeAll(async () => {
  firstDir = await mkdtemp(path.join(tmpdir(), "demo-models-a-"));
  secondDir = await mkdtemp(path.join(tmpdir(), "demo-models-b-"));
  ({ manifest } = await makeDemoModels(firstDir));
  await makeDemoModels(secondDir);
}, GENERATION_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([firstDir, secondDir].map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("makeDemoModels", () => {
  it("writes byte-identical output on every run", async () => {
    const files = (await readdir(firstDir)).sort();
    expect(files).toEqual([
      "fraud-holdout.csv",
      "fraud-sample.csv",
      "fraud-v1.onnx",
      "fraud-v2.onnx",
      "fraud-v3.onnx",
      "heavy-mlp.onnx",
      "manifest.json",
    ]);
    expect((await readdir(secondDir)).sort()).toEqual(files);
    for (const file of files) {
      const [first, second] = await Promise.all([
        readFile(path.join(firstDir, file)),
        readFile(path.join(secondDir, file)),
      ]);
      expect(first.equals(second), file).toBe(true);
    }
  });

  it("records each file's sha256 in the manifest", async () => {
    for (const { file, sha256 } of [...manifest.datasets, ...manifest.models]) {
      const digest = createHash("sha256")
        .update(await readFile(path.join(firstDir, file)))
        .digest("hex");
      expect(digest, file).toBe(sha256);
    }
  });

  it("does nothing when the output is up to date", async () => {
    const rerun = await makeDemoModels(firstDir);
    expect(rerun.generated).toBe(false);
    expect(rerun.manifest).toEqual(manifest);
  });

  it("writes the baseline sample without the label", async () => {
    const text = await readFile(path.join(firstDir, "fraud-sample.csv"), "utf8");
    const records: Record<string, string>[] = parse(text, { columns: true });
    expect(records).toHaveLength(2_000);
    expect(Object.keys(records[0]!)).toEqual(FRAUD_FEATURES.map((feature) => feature.name));
    expect(new Set(records.map((record) => record.card_present))).toEqual(new Set(["true", "false"]));
  });
});

describe("fraud models on the holdout set", () => {
  const runs = new Map<
    number,
    { session: ort.InferenceSession; probabilities: Float32Array; labels: number[]; metrics: BinaryMetrics }
  >();

  beforeAll(async () => {
    const text = await readFile(path.join(firstDir, "fraud-holdout.csv"), "utf8");
    const records: Record<string, string>[] = parse(text, { columns: true });
    const input = new ort.Tensor("float32", encodeRecords(records), [records.length, FRAUD_FEATURES.length]);
    const truth = records.map((record) => Number(record[LABEL_COLUMN]));
    for (const model of fraudModels()) {
      const session = await ort.InferenceSession.create(path.join(firstDir, model.file));
      const { probability, label } = await session.run({ features: input });
      const probabilities = probability!.data as Float32Array;
      const metrics = binaryMetrics(probabilities, truth, (model.metrics as BinaryMetrics).threshold);
      runs.set(model.version, {
        session,
        probabilities,
        labels: Array.from(label!.data as BigInt64Array, Number),
        metrics,
      });
    }
  });

  afterAll(async () => {
    for (const { session } of runs.values()) await session.release();
  });

  it("take one float32 [batch, 14] input and give probability and label", () => {
    expect([...runs.keys()]).toEqual([1, 2, 3]);
    for (const { session } of runs.values()) {
      expect(session.inputMetadata).toEqual([
        { name: "features", isTensor: true, type: "float32", shape: ["batch", 14] },
      ]);
      expect(session.outputMetadata).toEqual([
        { name: "probability", isTensor: true, type: "float32", shape: ["batch", 1] },
        { name: "label", isTensor: true, type: "int64", shape: ["batch"] },
      ]);
    }
  });

  it("give probabilities in [0, 1] and label = probability >= threshold", () => {
    for (const [version, { probabilities, labels, metrics }] of runs) {
      expect(probabilities.length, `v${version}`).toBe(5_000);
      expect(
        probabilities.every((p) => p >= 0 && p <= 1),
        `v${version}`,
      ).toBe(true);
      expect(labels).toEqual(Array.from(probabilities, (p) => Number(p >= Math.fround(metrics.threshold))));
    }
  });

  it("match the manifest metrics when recomputed from the ONNX models", () => {
    for (const model of fraudModels()) {
      const recorded = model.metrics as BinaryMetrics;
      const measured = runs.get(model.version)!.metrics;
      for (const key of ["auc", "accuracy", "logLoss", "precision", "recall"] as const) {
        expect(Math.abs(measured[key] - recorded[key]), `v${model.version} ${key}`).toBeLessThan(1e-3);
      }
    }
  });

  it("rank v2 above v1 above the regressed v3", () => {
    expect(fraudMetrics(2).auc).toBeGreaterThan(fraudMetrics(1).auc + 0.03);
    expect(fraudMetrics(3).auc).toBeLessThan(fraudMetrics(1).auc - 0.05);
  });
});

describe("heavy benchmark model", () => {
  it("maps [batch, 512] to finite [batch, 10] logits", async () => {
    const session = await ort.InferenceSession.create(path.join(firstDir, "heavy-mlp.onnx"));
    expect(session.inputMetadata).toEqual([
      { name: "input", isTensor: true, type: "float32", shape: ["batch", 512] },
    ]);
    expect(session.outputMetadata).toEqual([
      { name: "logits", isTensor: true, type: "float32", shape: ["batch", 10] },
    ]);
    const input = Float32Array.from({ length: 2 * 512 }, (_, i) => Math.sin(i));
    const { logits } = await session.run({ input: new ort.Tensor("float32", input, [2, 512]) });
    expect(logits!.dims).toEqual([2, 10]);
    expect((logits!.data as Float32Array).every(Number.isFinite)).toBe(true);
    await session.release();
  });
});
