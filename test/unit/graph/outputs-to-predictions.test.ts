import { describe, expect, it } from "vitest";
import { compilePostprocess } from "@/server/domain/graph/compile-postprocess";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import { outputsToPredictions } from "@/server/domain/graph/outputs-to-predictions";
import { ZPostprocessSpec, type PostprocessSpecInput } from "@/server/domain/graph/record-spec";
import type { Signature } from "@/server/domain/signature";

const signature: Signature = {
  inputs: [],
  outputs: [
    { name: "probability", elementType: "float32", shape: ["batch", 1] },
    { name: "logits", elementType: "float32", shape: ["batch", 3] },
    { name: "label", elementType: "int64", shape: ["batch"] },
  ],
};
const outputs: WireTensor[] = [
  { name: "probability", datatype: "FP32", shape: [2, 1], data: [0.93456, 0.1] },
  { name: "logits", datatype: "FP32", shape: [2, 3], data: [1, 3, 2, 0, 0, -1] },
  { name: "label", datatype: "INT64", shape: [2], data: [1, 0] },
];

function predict(spec: PostprocessSpecInput, tensors: WireTensor[] = outputs) {
  const plan = compilePostprocess(ZPostprocessSpec.parse(spec), signature);
  if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
  const result = outputsToPredictions(plan.value, tensors);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

const issuesOf = (spec: PostprocessSpecInput) => {
  const plan = compilePostprocess(ZPostprocessSpec.parse(spec), signature);
  return plan.ok ? [] : plan.issues;
};

describe("outputsToPredictions: each step", () => {
  it("gives every output per record when there are no steps", () => {
    expect(predict({})).toEqual([
      { probability: 0.93456, logits: [1, 3, 2], label: 1 },
      { probability: 0.1, logits: [0, 0, -1], label: 0 },
    ]);
  });

  it("thresholds a score to a label, renames, rounds and selects: the issue's record answer", () => {
    const spec: PostprocessSpecInput = {
      steps: [
        { op: "threshold", output: "probability", as: "label", threshold: 0.5, labels: ["legit", "fraud"] },
        { op: "rename", from: "probability", to: "score" },
        { op: "round", outputs: ["score"], digits: 2 },
        { op: "select", outputs: ["label", "score"] },
      ],
    };
    expect(predict(spec)).toEqual([
      { label: "fraud", score: 0.93 },
      { label: "legit", score: 0.1 },
    ]);
  });

  it("applies sigmoid and softmax", () => {
    const [first] = predict({
      steps: [
        { op: "sigmoid", output: "probability", as: "p" },
        { op: "softmax", output: "logits" },
      ],
    });
    expect(first!.p).toBeCloseTo(1 / (1 + Math.exp(-0.93456)), 12);
    const probabilities = first!.logits as number[];
    expect(probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 12);
    expect(probabilities[1]! / probabilities[0]!).toBeCloseTo(Math.exp(2), 10);
  });

  it("takes the argmax as a class name or an index, and the top k best first", () => {
    const predictions = predict({
      steps: [
        { op: "argmax", output: "logits", as: "class", classes: ["cat", "dog", "eel"] },
        { op: "argmax", output: "logits", as: "index" },
        { op: "top_k", output: "logits", as: "top", k: 2, classes: ["cat", "dog", "eel"] },
        { op: "select", outputs: ["class", "index", "top"] },
      ],
    });
    expect(predictions).toEqual([
      {
        class: "dog",
        index: 1,
        top: [
          { label: "dog", score: 3 },
          { label: "eel", score: 2 },
        ],
      },
      // A tie goes to the lower index.
      {
        class: "cat",
        index: 0,
        top: [
          { label: "cat", score: 0 },
          { label: "dog", score: 0 },
        ],
      },
    ]);
  });

  it("reads non-finite floats as they travel on the wire", () => {
    const tensors: WireTensor[] = [{ ...outputs[0]!, data: ["NaN", 0.5] }, outputs[1]!, outputs[2]!];
    expect(predict({ steps: [{ op: "select", outputs: ["probability"] }] }, tensors)).toEqual([
      { probability: Number.NaN },
      { probability: 0.5 },
    ]);
  });
});

describe("compilePostprocess: refused specs name the step", () => {
  it("refuses values that do not exist at that step", () => {
    expect(
      issuesOf({
        steps: [
          { op: "select", outputs: ["label"] },
          { op: "sigmoid", output: "probability" },
        ],
      }),
    ).toEqual([
      { where: "steps[1] (sigmoid)", message: "no value 'probability' at this step; the values are 'label'" },
    ]);
  });

  it("refuses steps that do not fit the value", () => {
    expect(
      issuesOf({
        steps: [
          { op: "threshold", output: "logits", threshold: 0.5, labels: ["a", "b"] },
          { op: "softmax", output: "probability" },
          { op: "argmax", output: "logits", classes: ["a", "b"] },
          { op: "top_k", output: "logits", k: 4 },
          { op: "threshold", output: "label", as: "name", threshold: 1, labels: ["no", "yes"] },
          { op: "round", outputs: ["name"], digits: 1 },
        ],
      }),
    ).toEqual([
      { where: "steps[0] (threshold)", message: "'logits' is not one score per record" },
      { where: "steps[1] (softmax)", message: "'probability' is not a list of scores per record" },
      { where: "steps[2] (argmax)", message: "'logits' has 3 scores per record but 2 classes are named" },
      { where: "steps[3] (top_k)", message: "k is 4 but 'logits' has 3 scores per record" },
      { where: "steps[5] (round)", message: "'name' is not numeric" },
    ]);
  });

  it("refuses unknown step kinds at the zod boundary", () => {
    expect(ZPostprocessSpec.safeParse({ steps: [{ op: "python", code: "..." }] }).success).toBe(false);
  });
});

describe("outputsToPredictions: tensors that do not match the plan", () => {
  const plan = compilePostprocess(ZPostprocessSpec.parse({}), signature);
  if (!plan.ok) throw new Error("expected a plan");

  it("reports a missing output and uneven batches", () => {
    expect(outputsToPredictions(plan.value, outputs.slice(0, 2))).toEqual({
      ok: false,
      issues: [{ where: "output 'label'", message: "the model did not return it" }],
    });
    const uneven = [outputs[0]!, outputs[1]!, { ...outputs[2]!, shape: [1], data: [1] }];
    expect(outputsToPredictions(plan.value, uneven)).toEqual({
      ok: false,
      issues: [{ where: "output 'label'", message: "has 1 records; 'probability' has 2" }],
    });
  });
});
