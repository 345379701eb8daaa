import { isDynamicDimension, type Signature, type TensorSpec } from "@/server/domain/signature";
import { ok, type Issue, type Result } from "./issues";
import type { PostprocessSpec, PostStep } from "./record-spec";

/**
 * What a named value holds per record as the steps go: a number, a list of numbers (with its
 * length when fixed), a label (string), a ranked list (top_k), or something only passed on
 * (string or bool tensors).
 */
export type ValueShape =
  | { kind: "number" }
  | { kind: "numbers"; width: number | null }
  | { kind: "label" }
  | { kind: "ranked" }
  | { kind: "other" };

/** A checked post-processing spec: its steps, and the model outputs they start from. */
export type PostprocessPlan = { outputs: string[]; steps: PostStep[] };

/** A model output's value per record: rank 1, or rank 2 of width 1, is one number per record. */
export function valueShapeOf(output: TensorSpec): ValueShape {
  if (output.elementType === "string" || output.elementType === "bool") return { kind: "other" };
  const perRecord = output.shape.slice(1);
  if (perRecord.length === 0 || (perRecord.length === 1 && perRecord[0] === 1)) return { kind: "number" };
  const dynamic = perRecord.some((dimension) => isDynamicDimension(dimension) || dimension < 0);
  return {
    kind: "numbers",
    width: dynamic
      ? null
      : perRecord.reduce<number>((product, dimension) => product * (dimension as number), 1),
  };
}

/**
 * Checks the steps against the model's outputs, in order: every step reads a value that exists by
 * then and holds what the step needs (scores for softmax, one score for threshold, a class name per
 * score when the width is known). All problems at once, each naming the step.
 */
export function compilePostprocess(spec: PostprocessSpec, signature: Signature): Result<PostprocessPlan> {
  const values = new Map(signature.outputs.map((output) => [output.name, valueShapeOf(output)]));
  const issues: Issue[] = [];
  spec.steps.forEach((step, k) => {
    const where = `steps[${k}] (${step.op})`;
    const problem = checkStep(step, values);
    if (problem !== null) issues.push({ where, message: problem });
  });
  if (issues.length > 0) return { ok: false, issues };
  return ok({ outputs: signature.outputs.map((output) => output.name), steps: spec.steps });
}

/** What is wrong with the step given the values so far, or null after recording what it makes. */
function checkStep(step: PostStep, values: Map<string, ValueShape>): string | null {
  if (step.op === "select" || step.op === "round") {
    const unknown = step.outputs.filter((name) => !values.has(name));
    if (unknown.length > 0) return `${describeUnknown(unknown, values)}`;
    if (step.op === "select") {
      const kept = new Map(step.outputs.map((name) => [name, values.get(name)!]));
      values.clear();
      for (const [name, shape] of kept) values.set(name, shape);
      return null;
    }
    const notNumeric = step.outputs.filter((name) => !isNumeric(values.get(name)!));
    return notNumeric.length === 0
      ? null
      : `${quote(notNumeric)} ${notNumeric.length === 1 ? "is" : "are"} not numeric`;
  }
  if (step.op === "rename") {
    const shape = values.get(step.from);
    if (shape === undefined) return describeUnknown([step.from], values);
    values.delete(step.from);
    values.set(step.to, shape);
    return null;
  }
  const shape = values.get(step.output);
  if (shape === undefined) return describeUnknown([step.output], values);
  const target = step.as ?? step.output;
  const name = `'${step.output}'`;
  switch (step.op) {
    case "sigmoid":
      if (!isNumeric(shape)) return `${name} is not numeric`;
      values.set(target, shape);
      return null;
    case "softmax":
      if (shape.kind !== "numbers") return `${name} is not a list of scores per record`;
      values.set(target, shape);
      return null;
    case "argmax":
    case "top_k": {
      if (shape.kind !== "numbers") return `${name} is not a list of scores per record`;
      if (step.classes && shape.width !== null && step.classes.length !== shape.width)
        return `${name} has ${shape.width} scores per record but ${step.classes.length} classes are named`;
      if (step.op === "top_k" && shape.width !== null && step.k > shape.width)
        return `k is ${step.k} but ${name} has ${shape.width} scores per record`;
      values.set(
        target,
        step.op === "top_k" ? { kind: "ranked" } : step.classes ? { kind: "label" } : { kind: "number" },
      );
      return null;
    }
    case "threshold":
      if (shape.kind !== "number") return `${name} is not one score per record`;
      values.set(target, { kind: "label" });
      return null;
  }
}

const isNumeric = (shape: ValueShape) => shape.kind === "number" || shape.kind === "numbers";

function describeUnknown(names: string[], values: Map<string, ValueShape>): string {
  return `no value ${quote(names)} at this step; the values are ${quote([...values.keys()])}`;
}

function quote(names: string[]): string {
  return names.length === 0 ? "(none)" : names.map((name) => `'${name}'`).join(", ");
}
