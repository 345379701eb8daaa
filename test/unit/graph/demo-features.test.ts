import { describe, expect, it } from "vitest";
import {
  encodeFraudFeatures,
  FRAUD_FEATURES,
  fraudExamplesToCsv,
  generateFraudExamples,
} from "@/scripts/demo/fraud-dataset";
import { predictProbability, trainBinaryModel } from "@/scripts/demo/train";
import { createSampleValidator } from "@/server/domain/feature-set/validate-sample";
import { compilePreprocess, type CompiledOp } from "@/server/domain/graph/compile-preprocess";
import { ZPreprocessSpec } from "@/server/domain/graph/record-spec";
import { recordsToTensors } from "@/server/domain/graph/records-to-tensors";
import type { Signature } from "@/server/domain/signature";
import { scanText } from "@/test/unit/feature-set/csv-text";

// The inverse check of issue 14: the console's baseline statistics, applied by a declarative spec
// to the records the demo trains on, give the features the demo's training computed.
const examples = generateFraudExamples(3000, 14);
const records = examples.map((example) => example.features);
const numeric = FRAUD_FEATURES.filter((feature) => feature.dtype !== "category");
const categorical = FRAUD_FEATURES.filter((feature) => feature.dtype === "category");

async function baselineOfTheSample() {
  const csv = fraudExamplesToCsv(examples, { withLabel: false });
  const scanned = await scanText(csv, (columns) => createSampleValidator(FRAUD_FEATURES, columns), {
    chunkBytes: 64 * 1024,
  });
  return scanned.baseline;
}

const signature = (width: number): Signature => ({
  inputs: [{ name: "features", elementType: "float32", shape: ["batch", width] }],
  outputs: [{ name: "probability", elementType: "float32", shape: ["batch", 1] }],
});

describe("the demo's training-time features from a record spec", () => {
  it("fields left out encode every feature as the demo models' input does", async () => {
    const spec = ZPreprocessSpec.parse({ inputs: [{ input: "features" }] });
    const compiled = compilePreprocess(spec, {
      signature: signature(FRAUD_FEATURES.length),
      features: FRAUD_FEATURES,
      baseline: await baselineOfTheSample(),
    });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
    const tensors = recordsToTensors(compiled.value, records.slice(0, 200));
    if (!tensors.ok) throw new Error(JSON.stringify(tensors.issues));
    const [tensor] = tensors.value;
    expect(tensor?.shape).toEqual([200, FRAUD_FEATURES.length]);
    const expected = records.slice(0, 200).flatMap((record) => Array.from(encodeFraudFeatures(record)));
    expect(tensor?.data).toEqual(expected);
  });

  it("standardizing with the baseline and one-hot encoding reproduce the trained model's design rows", async () => {
    const inputs = records.map(encodeFraudFeatures);
    const labels = examples.map((example) => Number(example.isFraud));
    // Logistic regression: its one layer reads the design row directly, so its output checks it.
    const model = trainBinaryModel(inputs, labels, FRAUD_FEATURES, {
      hiddenUnits: [],
      epochs: 1,
      batchSize: 256,
      learningRate: 0.05,
      l2: 0,
      seed: 3,
    });
    const spec = ZPreprocessSpec.parse({
      inputs: [
        {
          input: "features",
          fields: [
            ...numeric.map((feature) => ({ field: feature.name, steps: [{ op: "standardize" }] })),
            ...categorical.map((feature) => ({ field: feature.name, steps: [{ op: "one_hot" }] })),
          ],
        },
      ],
    });
    const width =
      numeric.length +
      categorical.reduce((sum, f) => sum + (f.dtype === "category" ? f.categories.length : 0), 0);
    const compiled = compilePreprocess(spec, {
      signature: signature(width),
      features: FRAUD_FEATURES,
      baseline: await baselineOfTheSample(),
    });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));

    // The parameters: the baseline's mean and (population) std are the ones training fitted.
    const affine = compiled.value.inputs[0]!.fields.slice(0, numeric.length).map(
      (field) => field.ops[0] as Extract<CompiledOp, { op: "affine" }>,
    );
    affine.forEach((op, k) => {
      const trainedMean = model.preprocessing.mean[k]!;
      const trainedStd = model.preprocessing.std[k]!;
      expect(Math.abs(op.offset - trainedMean)).toBeLessThan(1e-5 * Math.max(1, Math.abs(trainedMean)));
      expect(Math.abs(op.divisor - trainedStd) / trainedStd).toBeLessThan(1e-5);
    });

    // The features: the model's own layer over our rows gives the model's own probabilities.
    const tensors = recordsToTensors(compiled.value, records);
    if (!tensors.ok) throw new Error(JSON.stringify(tensors.issues));
    const data = tensors.value[0]!.data as number[];
    const [layer] = model.layers;
    records.forEach((record, r) => {
      let z = layer!.bias[0]!;
      for (let i = 0; i < width; i++) z += data[r * width + i]! * layer!.weights[i]!;
      expect(1 / (1 + Math.exp(-z))).toBeCloseTo(predictProbability(model, encodeFraudFeatures(record)), 5);
    });
  });
});
