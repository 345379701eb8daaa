import { describe, expect, it } from "vitest";
import { ZGraphSpec, type GraphSpec } from "@/server/domain/graph/graph-spec";
import { planGraph } from "@/server/domain/graph/plan-graph";
import { validateGraph } from "@/server/domain/graph/validate-graph";
import { SIGNATURES } from "@/test/unit/graph/graph-fixtures";

const issuesOf = (spec: unknown) => {
  const result = validateGraph(ZGraphSpec.parse(spec), SIGNATURES);
  return result.ok ? [] : result.issues;
};

const sequence: GraphSpec = ZGraphSpec.parse({
  steps: [
    { id: "pre", kind: "model", versionId: "double", inputs: { x: "input.x" } },
    { id: "model", kind: "model", versionId: "first", inputs: { x: "pre.y" } },
  ],
  outputs: { score: "model.score" },
});

describe("validateGraph", () => {
  it("accepts a sequence and types its inputs and outputs", () => {
    const result = validateGraph(sequence, SIGNATURES);
    expect(result).toMatchObject({
      ok: true,
      value: {
        inputs: [{ name: "x", elementType: "float32", shape: ["batch", 2] }],
        outputs: [{ name: "score", elementType: "float32", shape: [-1, 1] }],
      },
    });
  });

  it("refuses a cycle, naming its steps", () => {
    expect(
      issuesOf({
        steps: [
          { id: "a", kind: "model", versionId: "double", inputs: { x: "b.y" } },
          { id: "b", kind: "model", versionId: "double", inputs: { x: "a.y" } },
          { id: "c", kind: "model", versionId: "first", inputs: { x: "input.x" } },
        ],
        outputs: { y: "b.y" },
      }),
    ).toEqual([{ where: "step 'a'", message: "the steps form a cycle: 'a' -> 'b' -> 'a'" }]);
    expect(
      issuesOf({
        steps: [{ id: "a", kind: "model", versionId: "double", inputs: { x: "a.y" } }],
        outputs: { y: "a.y" },
      }),
    ).toEqual([{ where: "step 'a'", message: "the steps form a cycle: 'a' -> 'a'" }]);
  });

  it("refuses unknown versions, steps, outputs and inputs, naming the step", () => {
    expect(
      issuesOf({
        steps: [
          { id: "a", kind: "model", versionId: "nope", inputs: { x: "input.x" } },
          { id: "b", kind: "model", versionId: "first", inputs: { x: "ghost.y" } },
          { id: "b", kind: "model", versionId: "first", inputs: { x: "input.x" } },
        ],
        outputs: { y: "gone.y" },
      }),
    ).toEqual([
      { where: "step 'b'", message: "the step id is used twice" },
      { where: "step 'a'", message: "unknown model version 'nope'" },
      { where: "step 'b'", message: "'ghost.y' names no step 'ghost'" },
      { where: "output 'y'", message: "'gone.y' names no step 'gone'" },
    ]);
    expect(
      issuesOf({
        steps: [
          { id: "a", kind: "model", versionId: "double", inputs: { x: "input.x" } },
          { id: "b", kind: "model", versionId: "first", inputs: { x: "a.z", extra: "input.x" } },
          { id: "c", kind: "model", versionId: "first", inputs: {} },
        ],
        outputs: { y: "a.y" },
      }),
    ).toEqual([
      { where: "step 'b'", message: "version 'first' has no input 'extra'; its inputs are 'x'" },
      { where: "step 'b'", message: "step 'a' has no output 'z'; it has 'a.y'" },
      { where: "step 'c'", message: "input 'x' of version 'first' is not fed" },
    ]);
  });

  it("refuses mismatched shapes and datatypes between steps", () => {
    expect(
      issuesOf({
        steps: [
          { id: "a", kind: "model", versionId: "double", inputs: { x: "input.x" } },
          { id: "b", kind: "model", versionId: "wide", inputs: { x: "a.y" } },
          { id: "c", kind: "model", versionId: "vote", inputs: { x: "input.x" } },
          { id: "d", kind: "model", versionId: "first", inputs: { x: "c.label" } },
        ],
        outputs: { y: "b.score" },
      }),
    ).toEqual([
      {
        where: "step 'b'",
        message: "input 'x' reads 'a.y': float32 [batch, 2] where float32 [batch, 3] is expected",
      },
      {
        where: "step 'd'",
        message: "input 'x' reads 'c.label': int64 [batch] where float32 [batch, 2] is expected",
      },
    ]);
  });

  it("checks combiners: matching tensors, float for means, one weight each", () => {
    const members = [
      { id: "a", kind: "model", versionId: "first", inputs: { x: "input.x" } },
      { id: "b", kind: "model", versionId: "second", inputs: { x: "input.x" } },
      { id: "v", kind: "model", versionId: "vote", inputs: { x: "input.x" } },
    ];
    const combine = (rest: object) =>
      issuesOf({ steps: [...members, { id: "e", kind: "combine", ...rest }], outputs: { y: "e.output" } });
    expect(combine({ combiner: "mean", from: ["a.score", "b.score"] })).toEqual([]);
    expect(combine({ combiner: "mean", from: ["a.score", "v.label"] })).toEqual([
      {
        where: "step 'e'",
        message: "'v.label' does not match 'a.score': int64 [batch] where float32 [-1, 1] is expected",
      },
    ]);
    expect(combine({ combiner: "weighted_mean", from: ["a.score", "b.score"], weights: [1] })).toEqual([
      { where: "step 'e'", message: "weighted_mean needs one weight per tensor: 2, not 1" },
    ]);
    expect(combine({ combiner: "mean", from: ["v.label", "v.label"] })).toEqual([
      { where: "step 'e'", message: "mean needs float tensors; 'v.label' is int64" },
    ]);
    expect(combine({ combiner: "majority_vote", from: ["v.label", "v.label"] })).toEqual([]);
  });

  it("lets a gated model's outputs out only through a choose step with its condition", () => {
    const steps = [
      { id: "cheap", kind: "model", versionId: "first", inputs: { x: "input.x" } },
      {
        id: "costly",
        kind: "model",
        versionId: "second",
        inputs: { x: "input.x" },
        when: { ref: "cheap.score", min: 0.3, max: 0.7 },
      },
    ];
    expect(
      issuesOf({
        steps: [
          ...steps,
          {
            id: "pick",
            kind: "choose",
            when: { ref: "cheap.score", min: 0.3, max: 0.7 },
            then: "costly.score",
            else: "cheap.score",
          },
        ],
        outputs: { score: "pick.output" },
      }),
    ).toEqual([]);
    expect(issuesOf({ steps, outputs: { score: "costly.score" } })).toEqual([
      {
        where: "output 'score'",
        message: "'costly.score' exists only for some records; answer it through a choose step",
      },
    ]);
    expect(
      issuesOf({
        steps: [
          ...steps,
          {
            id: "pick",
            kind: "choose",
            when: { ref: "cheap.score", min: 0.5 },
            then: "costly.score",
            else: "costly.score",
          },
        ],
        outputs: { score: "pick.output" },
      }),
    ).toEqual([
      {
        where: "step 'pick'",
        message:
          "then reads 'costly.score', which exists only for records where cheap.score is in [0.3, 0.7], not the choose step's",
      },
      { where: "step 'pick'", message: "else reads 'costly.score', which exists only for some records" },
    ]);
    expect(
      issuesOf({
        steps: [steps[0], { ...steps[1], when: { ref: "input.x", min: 0 } }],
        outputs: { score: "cheap.score" },
      }),
    ).toEqual([
      {
        where: "step 'costly'",
        message: "the condition reads 'input.x' (float32 [batch, 2]), not one number per record",
      },
    ]);
  });

  it("refuses bad specs at the zod boundary", () => {
    expect(ZGraphSpec.safeParse({ steps: [], outputs: { y: "a.y" } }).success).toBe(false);
    expect(
      ZGraphSpec.safeParse({
        steps: [{ id: "input", kind: "model", versionId: "v", inputs: {} }],
        outputs: { y: "input.x" },
      }).success,
    ).toBe(false);
    expect(
      ZGraphSpec.safeParse({
        steps: [{ id: "a", kind: "model", versionId: "v", inputs: { x: "nodot" } }],
        outputs: { y: "a.y" },
      }).success,
    ).toBe(false);
  });
});

describe("planGraph", () => {
  it("orders steps into stages: an ensemble's members side by side, the combiner after them", () => {
    const plan = planGraph(
      ZGraphSpec.parse({
        steps: [
          { id: "e", kind: "combine", combiner: "mean", from: ["a.score", "b.score"] },
          { id: "a", kind: "model", versionId: "first", inputs: { x: "pre.y" } },
          { id: "pre", kind: "model", versionId: "double", inputs: { x: "input.x" } },
          { id: "b", kind: "model", versionId: "second", inputs: { x: "input.x" } },
        ],
        outputs: { score: "e.output" },
      }),
      SIGNATURES,
    );
    if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
    expect(plan.value.stages.map((stage) => stage.map((step) => step.id))).toEqual([
      ["pre", "b"],
      ["a"],
      ["e"],
    ]);
    expect(plan.value.versionIds).toEqual(["first", "double", "second"]);
    expect(plan.value.outputs).toEqual([
      {
        name: "score",
        ref: "e.output",
        spec: { name: "score", elementType: "float32", shape: ["batch", 1] },
      },
    ]);
  });

  it("passes validation problems through", () => {
    const plan = planGraph(
      ZGraphSpec.parse({ ...sequence, steps: [{ ...sequence.steps[0]!, versionId: "gone" }] }),
      SIGNATURES,
    );
    expect(plan.ok).toBe(false);
  });
});
