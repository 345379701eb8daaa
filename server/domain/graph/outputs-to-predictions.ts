import { nonFiniteValue, type WireTensor } from "@/server/domain/inference/datatypes";
import type { PostprocessPlan } from "./compile-postprocess";
import { ok, type Result } from "./issues";
import type { PostStep } from "./record-spec";

type Scalar = number | string | boolean;
export type RankedLabel = { label: string | number; score: number };
export type PredictionValue = Scalar | Scalar[] | RankedLabel[];
/** One record's answer: `{"label": "fraud", "score": 0.93}`. */
export type Prediction = Record<string, PredictionValue>;

/**
 * The model's output tensors as one prediction per record, the plan's steps applied in order.
 * A rank-1 output, or a rank-2 one of width 1, gives one value per record; wider ones a list.
 * The plan was checked against the signature, so a problem here means the tensors do not match
 * it (a missing output, batch sizes that differ, a dynamic width the classes do not fit): the
 * gateway answers it as an internal error, not as the caller's.
 */
export function outputsToPredictions(
  plan: PostprocessPlan,
  outputs: readonly WireTensor[],
): Result<Prediction[]> {
  const byName = new Map(outputs.map((tensor) => [tensor.name, tensor]));
  const missing = plan.outputs.filter((name) => !byName.has(name));
  if (missing.length > 0)
    return {
      ok: false,
      issues: missing.map((name) => ({ where: `output '${name}'`, message: "the model did not return it" })),
    };
  const tensors = plan.outputs.map((name) => byName.get(name)!);
  const count = tensors[0]?.shape[0] ?? 0;
  const uneven = tensors.find((tensor) => tensor.shape[0] !== count);
  if (uneven)
    return {
      ok: false,
      issues: [
        {
          where: `output '${uneven.name}'`,
          message: `has ${uneven.shape[0]} records; '${tensors[0]!.name}' has ${count}`,
        },
      ],
    };
  const predictions: Prediction[] = Array.from({ length: count }, (_, r) =>
    Object.fromEntries(tensors.map((tensor) => [tensor.name, rowOf(tensor, r, count)])),
  );
  for (const [k, step] of plan.steps.entries()) {
    for (const prediction of predictions) {
      const problem = applyStep(step, prediction);
      if (problem !== null)
        return { ok: false, issues: [{ where: `steps[${k}] (${step.op})`, message: problem }] };
    }
  }
  return ok(predictions);
}

function rowOf(tensor: WireTensor, r: number, count: number): Scalar | Scalar[] {
  const size = count === 0 ? 0 : tensor.data.length / count;
  const row = (tensor.data as unknown[])
    .slice(r * size, (r + 1) * size)
    .map((value) => (nonFiniteValue(value) ?? value) as Scalar);
  const scalar = tensor.shape.length <= 1 || (tensor.shape.length === 2 && tensor.shape[1] === 1);
  return scalar ? row[0]! : row;
}

/** Changes one prediction in place; returns what is wrong instead, if anything. */
function applyStep(step: PostStep, prediction: Prediction): string | null {
  switch (step.op) {
    case "rename": {
      const value = prediction[step.from]!;
      delete prediction[step.from];
      prediction[step.to] = value;
      return null;
    }
    case "select": {
      const kept = step.outputs.map((name) => [name, prediction[name]!] as const);
      for (const name of Object.keys(prediction)) delete prediction[name];
      for (const [name, value] of kept) prediction[name] = value;
      return null;
    }
    case "round": {
      const factor = 10 ** step.digits;
      const round = (x: number) => Math.round(x * factor) / factor;
      for (const name of step.outputs) prediction[name] = mapNumbers(prediction[name]!, round);
      return null;
    }
    case "sigmoid":
      prediction[step.as ?? step.output] = mapNumbers(
        prediction[step.output]!,
        (x) => 1 / (1 + Math.exp(-x)),
      );
      return null;
    case "threshold": {
      const score = prediction[step.output] as number;
      prediction[step.as ?? step.output] = step.labels[score >= step.threshold ? 1 : 0];
      return null;
    }
    default:
      return applyScoresStep(step, prediction);
  }
}

function applyScoresStep(
  step: Extract<PostStep, { op: "softmax" | "argmax" | "top_k" }>,
  prediction: Prediction,
): string | null {
  const scores = prediction[step.output] as number[];
  const target = step.as ?? step.output;
  if (step.op === "softmax") {
    const max = Math.max(...scores);
    const exps = scores.map((score) => Math.exp(score - max));
    const sum = exps.reduce((total, value) => total + value, 0);
    prediction[target] = exps.map((value) => value / sum);
    return null;
  }
  if (step.classes && step.classes.length !== scores.length)
    return `'${step.output}' has ${scores.length} scores but ${step.classes.length} classes are named`;
  const labelOf = (index: number) => step.classes?.[index] ?? index;
  // Best first; equal scores keep index order, so ties resolve the same way every time.
  const order = scores.map((_, index) => index).sort((a, b) => scores[b]! - scores[a]! || a - b);
  if (step.op === "argmax") {
    prediction[target] = order.length === 0 ? -1 : labelOf(order[0]!);
    return null;
  }
  prediction[target] = order
    .slice(0, step.k)
    .map((index) => ({ label: labelOf(index), score: scores[index]! }));
  return null;
}

function mapNumbers(value: PredictionValue, map: (x: number) => number): PredictionValue {
  if (typeof value === "number") return map(value);
  if (Array.isArray(value)) return value.map((x) => (typeof x === "number" ? map(x) : x)) as PredictionValue;
  return value;
}
