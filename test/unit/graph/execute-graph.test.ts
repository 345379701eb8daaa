import { describe, expect, it } from "vitest";
import { executeGraph } from "@/server/domain/graph/execute-graph";
import { ZGraphSpec } from "@/server/domain/graph/graph-spec";
import { planGraph, type GraphPlan } from "@/server/domain/graph/plan-graph";
import { fakeRun, request, SIGNATURES } from "@/test/unit/graph/graph-fixtures";

function plan(spec: unknown): GraphPlan {
  const planned = planGraph(ZGraphSpec.parse(spec), SIGNATURES);
  if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
  return planned.value;
}

const X = [
  [0.1, 5],
  [0.5, 6],
  [0.9, 7],
  [0.4, 8],
];

describe("executeGraph", () => {
  it("runs a sequence, one step's outputs feeding the next", async () => {
    const { run, calls } = fakeRun();
    const graph = plan({
      steps: [
        { id: "pre", kind: "model", versionId: "double", inputs: { x: "input.x" } },
        { id: "model", kind: "model", versionId: "second", inputs: { x: "pre.y" } },
      ],
      outputs: { score: "model.score" },
    });
    expect(await executeGraph(graph, request(X), run)).toEqual({
      ok: true,
      value: [{ name: "score", datatype: "FP32", shape: [4, 1], data: [10, 12, 14, 16] }],
    });
    expect(calls.map((call) => call.versionId)).toEqual(["double", "second"]);
  });

  it("combines an ensemble by mean, weighted mean, max and majority vote", async () => {
    const members = [
      { id: "a", kind: "model", versionId: "first", inputs: { x: "input.x" } },
      { id: "b", kind: "model", versionId: "second", inputs: { x: "input.x" } },
    ];
    const combined = async (combiner: string, weights?: number[]) => {
      const graph = plan({
        steps: [...members, { id: "e", kind: "combine", combiner, from: ["a.score", "b.score"], weights }],
        outputs: { score: "e.output" },
      });
      const result = await executeGraph(graph, request(X.slice(0, 2)), fakeRun().run);
      return result.ok ? result.value[0]!.data : result.issues;
    };
    expect(await combined("mean")).toEqual([2.55, 3.25]);
    expect(await combined("weighted_mean", [3, 1])).toEqual([(0.3 + 5) / 4, (1.5 + 6) / 4]);
    expect(await combined("max")).toEqual([5, 6]);

    const votes = plan({
      steps: [
        { id: "v1", kind: "model", versionId: "vote", inputs: { x: "input.x" } },
        { id: "pre", kind: "model", versionId: "double", inputs: { x: "input.x" } },
        { id: "v2", kind: "model", versionId: "vote", inputs: { x: "pre.y" } },
        { id: "v3", kind: "model", versionId: "vote", inputs: { x: "input.x" } },
        { id: "e", kind: "combine", combiner: "majority_vote", from: ["v1.label", "v2.label", "v3.label"] },
      ],
      outputs: { label: "e.output" },
    });
    const result = await executeGraph(
      votes,
      request([
        [2, 1],
        [1, 2],
      ]),
      fakeRun().run,
    );
    expect(result).toEqual({
      ok: true,
      value: [{ name: "label", datatype: "INT64", shape: [2], data: [1, 0] }],
    });
  });

  it("runs the expensive model only on the records in the uncertain band", async () => {
    const { run, calls } = fakeRun();
    const band = { ref: "cheap.score", min: 0.3, max: 0.7 };
    const graph = plan({
      steps: [
        { id: "cheap", kind: "model", versionId: "first", inputs: { x: "input.x" } },
        { id: "costly", kind: "model", versionId: "second", inputs: { x: "input.x" }, when: band },
        { id: "pick", kind: "choose", when: band, then: "costly.score", else: "cheap.score" },
      ],
      outputs: { score: "pick.output" },
    });
    expect(await executeGraph(graph, request(X), run)).toEqual({
      ok: true,
      value: [{ name: "score", datatype: "FP32", shape: [4, 1], data: [0.1, 6, 0.9, 8] }],
    });
    expect(calls).toEqual([
      { versionId: "first", records: 4 },
      { versionId: "second", records: 2 },
    ]);

    // No record in the band: the expensive model is not run at all.
    const sure = fakeRun();
    const result = await executeGraph(
      graph,
      request([
        [0.1, 5],
        [0.95, 6],
      ]),
      sure.run,
    );
    expect(result).toMatchObject({ ok: true, value: [{ data: [0.1, 0.95] }] });
    expect(sure.calls.map((call) => call.versionId)).toEqual(["first"]);
  });

  it("passes gated tensors through gated steps with the same condition", async () => {
    const { run, calls } = fakeRun();
    const band = { ref: "cheap.score", max: 0.45 };
    const graph = plan({
      steps: [
        { id: "cheap", kind: "model", versionId: "first", inputs: { x: "input.x" } },
        { id: "pre", kind: "model", versionId: "double", inputs: { x: "input.x" }, when: band },
        { id: "costly", kind: "model", versionId: "second", inputs: { x: "pre.y" }, when: band },
        { id: "pick", kind: "choose", when: band, then: "costly.score", else: "cheap.score" },
      ],
      outputs: { score: "pick.output" },
    });
    expect(await executeGraph(graph, request(X), run)).toMatchObject({
      ok: true,
      value: [{ data: [10, 0.5, 0.9, 16] }],
    });
    expect(calls.slice(1)).toEqual([
      { versionId: "double", records: 2 },
      { versionId: "second", records: 2 },
    ]);
  });

  it("reports a missing request tensor and a version that answers the wrong batch", async () => {
    const graph = plan({
      steps: [{ id: "m", kind: "model", versionId: "second", inputs: { x: "input.x" } }],
      outputs: { score: "m.score" },
    });
    expect(await executeGraph(graph, [], fakeRun().run)).toEqual({
      ok: false,
      issues: [{ where: "input 'x'", message: "the request has no such tensor" }],
    });
    const short = async () => [{ name: "score", datatype: "FP32" as const, shape: [1, 1], data: [0] }];
    expect(await executeGraph(graph, request(X), short)).toEqual({
      ok: false,
      issues: [{ where: "step 'm'", message: "output 'score' has 1 records, not 4" }],
    });
    const renamed = async () => [
      { name: "other", datatype: "FP32" as const, shape: [4, 1], data: [0, 0, 0, 0] },
    ];
    expect(await executeGraph(graph, request(X), renamed)).toEqual({
      ok: false,
      issues: [{ where: "output 'score'", message: "step 'm' returned no output 'score'" }],
    });
  });

  it("lets an error thrown by run through", async () => {
    const graph = plan({
      steps: [{ id: "m", kind: "model", versionId: "second", inputs: { x: "input.x" } }],
      outputs: { score: "m.score" },
    });
    await expect(
      executeGraph(graph, request(X), () => Promise.reject(new Error("session lost"))),
    ).rejects.toThrow("session lost");
  });
});
