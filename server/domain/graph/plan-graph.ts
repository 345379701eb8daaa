import type { Signature, TensorSpec } from "@/server/domain/signature";
import { GRAPH_INPUT, parseRef, refsOf, type GraphSpec, type GraphStep, type TensorRef } from "./graph-spec";
import { ok, type Result } from "./issues";
import { validateGraph } from "./validate-graph";

/**
 * How to run a validated graph: stages of steps, each stage reading only the request and earlier
 * stages, so the steps of one stage (an ensemble's members) can run at the same time.
 */
export type GraphPlan = {
  stages: GraphStep[][];
  /** The request tensors the graph needs, typed. */
  inputs: TensorSpec[];
  outputs: { name: string; ref: TensorRef; spec: TensorSpec }[];
  /** Every version the graph runs: what the host must have loaded before it takes the job. */
  versionIds: string[];
};

/** Validates the graph (see validateGraph) and orders it into stages. */
export function planGraph(spec: GraphSpec, signatures: ReadonlyMap<string, Signature>): Result<GraphPlan> {
  const validated = validateGraph(spec, signatures);
  if (!validated.ok) return validated;
  const stageOf = new Map<string, number>();
  const stages: GraphStep[][] = [];
  for (const step of validated.value.order) {
    const sources = refsOf(step)
      .map((ref) => parseRef(ref).step)
      .filter((source) => source !== GRAPH_INPUT);
    const stage = Math.max(-1, ...sources.map((source) => stageOf.get(source)!)) + 1;
    stageOf.set(step.id, stage);
    (stages[stage] ??= []).push(step);
  }
  const outputs = validated.value.outputs.map((output) => ({
    name: output.name,
    ref: spec.outputs[output.name]!,
    spec: output,
  }));
  const versionIds = [
    ...new Set(spec.steps.flatMap((step) => (step.kind === "model" ? [step.versionId] : []))),
  ];
  return ok({ stages, inputs: validated.value.inputs, outputs, versionIds });
}
