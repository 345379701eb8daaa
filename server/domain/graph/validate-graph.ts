import {
  formatShape,
  ZElementType,
  type Dimension,
  type Signature,
  type TensorSpec,
} from "@/server/domain/signature";
import {
  GRAPH_INPUT,
  parseRef,
  refsOf,
  STEP_RESULT,
  type Condition,
  type GraphSpec,
  type GraphStep,
  type TensorRef,
} from "./graph-spec";
import { ok, type Issue, type Result } from "./issues";

/** A graph that passed validation: its steps in dependency order, and its tensors' types. */
export type ValidatedGraph = {
  /** Every step after the steps it reads. */
  order: GraphStep[];
  /** The request tensors the graph reads ("input.<name>"), typed by the inputs they feed. */
  inputs: TensorSpec[];
  /** The graph's outputs, named as the spec names them. */
  outputs: TensorSpec[];
};

/** A tensor's type, and the condition under which it exists (null: for every record). */
type Typed = { spec: TensorSpec; gate: string | null };

const FLOATS: readonly string[] = ["float16", "float32", "float64"];
const NUMERIC: readonly string[] = ZElementType.options.filter(
  (type) => type !== "string" && type !== "bool",
);

/**
 * Checks a graph before it is saved: step ids unique, every reference to a known step or output,
 * every version known, no cycles, datatypes and shapes that agree between the steps (a dynamic
 * dimension, named or -1, agrees with any size), combiners over tensors they can combine, and
 * gated tensors read only where they exist. All problems at once, each naming the step.
 */
export function validateGraph(
  spec: GraphSpec,
  signatures: ReadonlyMap<string, Signature>,
): Result<ValidatedGraph> {
  const issues: Issue[] = [];
  const byId = new Map<string, GraphStep>();
  for (const step of spec.steps) {
    if (byId.has(step.id)) issues.push({ where: `step '${step.id}'`, message: "the step id is used twice" });
    byId.set(step.id, step);
  }
  for (const step of spec.steps) {
    if (step.kind === "model" && !signatures.has(step.versionId))
      issues.push({ where: `step '${step.id}'`, message: `unknown model version '${step.versionId}'` });
    for (const ref of refsOf(step)) {
      const { step: source } = parseRef(ref);
      if (source !== GRAPH_INPUT && !byId.has(source))
        issues.push({ where: `step '${step.id}'`, message: `'${ref}' names no step '${source}'` });
    }
  }
  for (const [name, ref] of Object.entries(spec.outputs)) {
    const { step: source } = parseRef(ref);
    if (source !== GRAPH_INPUT && !byId.has(source))
      issues.push({ where: `output '${name}'`, message: `'${ref}' names no step '${source}'` });
  }
  if (issues.length > 0) return { ok: false, issues };

  const order = dependencyOrder(spec.steps, byId);
  if ("cycle" in order)
    return {
      ok: false,
      issues: [
        {
          where: `step '${order.cycle[0]}'`,
          message: `the steps form a cycle: ${order.cycle.map((id) => `'${id}'`).join(" -> ")}`,
        },
      ],
    };

  const typed = new Map<TensorRef, Typed>();
  // A step with problems types no outputs; its readers stay quiet rather than repeat them.
  const failed = new Set<string>();
  const inputs = new Map<string, TensorSpec>();
  /** The type of a reference as `where` reads it, or a problem (recorded) and null. */
  const read = (ref: TensorRef, where: string, wanted?: TensorSpec): Typed | null => {
    const { step, name } = parseRef(ref);
    if (step === GRAPH_INPUT) {
      const known = inputs.get(name);
      if (known === undefined) {
        if (wanted === undefined) {
          issues.push({
            where,
            message: `'${ref}' is only read here; its type is unknown (feed it to a model input first)`,
          });
          return null;
        }
        inputs.set(name, { ...wanted, name });
        return { spec: { ...wanted, name }, gate: null };
      }
      return { spec: known, gate: null };
    }
    const found = typed.get(ref);
    if (found === undefined && failed.has(step)) return null;
    if (found === undefined) {
      const produced = [...typed.keys()]
        .filter((key) => parseRef(key).step === step)
        .map((key) => `'${key}'`);
      issues.push({
        where,
        message: `step '${step}' has no output '${name}'; it has ${produced.join(", ") || "none"}`,
      });
      return null;
    }
    return found;
  };

  for (const step of order.steps) {
    const typedBefore = typed.size;
    checkStep(step);
    if (typed.size === typedBefore) failed.add(step.id);
  }
  function checkStep(step: GraphStep): void {
    const where = `step '${step.id}'`;
    const fail = (message: string) => issues.push({ where, message });
    const before = issues.length;
    const gate = step.kind === "model" && step.when ? checkCondition(step.when, where, read, fail) : null;
    if (step.kind === "model") {
      const signature = signatures.get(step.versionId)!;
      const names = signature.inputs.map((input) => input.name);
      for (const name of Object.keys(step.inputs))
        if (!names.includes(name))
          fail(
            `version '${step.versionId}' has no input '${name}'; its inputs are ${names.map((n) => `'${n}'`).join(", ")}`,
          );
      for (const input of signature.inputs) {
        const ref = step.inputs[input.name];
        if (ref === undefined) {
          fail(`input '${input.name}' of version '${step.versionId}' is not fed`);
          continue;
        }
        const source = read(ref, where, input);
        if (source === null) continue;
        const mismatch = mismatchOf(source.spec, input);
        if (mismatch !== null) fail(`input '${input.name}' reads '${ref}': ${mismatch}`);
        if (source.gate !== null && source.gate !== gate)
          fail(`input '${input.name}' ${gateProblem(ref, source.gate)}`);
      }
      if (issues.length === before)
        for (const output of signature.outputs)
          typed.set(`${step.id}.${output.name}`, { spec: output, gate });
      return;
    }
    if (step.kind === "combine") {
      const sources = step.from.map((ref) => read(ref, where));
      if (sources.some((source) => source === null)) return;
      const [first, ...rest] = sources as Typed[];
      let spec: TensorSpec = first!.spec;
      rest.forEach((source, k) => {
        const mismatch = mismatchOf(source.spec, spec);
        if (mismatch !== null)
          return fail(`'${step.from[k + 1]}' does not match '${step.from[0]}': ${mismatch}`);
        spec = { ...spec, shape: unify(spec.shape, source.spec.shape) };
      });
      const gates = new Set(sources.map((source) => source!.gate));
      if (gates.size > 1)
        fail(
          "combines tensors that exist for different records; combine ungated tensors, or ones with the same condition",
        );
      if (step.combiner !== "majority_vote" && step.combiner !== "max" && !FLOATS.includes(spec.elementType))
        fail(`${step.combiner} needs float tensors; '${step.from[0]}' is ${spec.elementType}`);
      if (step.combiner === "max" && !NUMERIC.includes(spec.elementType))
        fail(`max needs numeric tensors; '${step.from[0]}' is ${spec.elementType}`);
      if (step.combiner === "weighted_mean" && step.weights?.length !== step.from.length)
        fail(
          `weighted_mean needs one weight per tensor: ${step.from.length}, not ${step.weights?.length ?? 0}`,
        );
      if (step.combiner !== "weighted_mean" && step.weights !== undefined)
        fail(`only weighted_mean takes weights`);
      if (issues.length === before)
        typed.set(`${step.id}.${STEP_RESULT}`, { spec: { ...spec, name: STEP_RESULT }, gate: first!.gate });
      return;
    }
    const chosenGate = checkCondition(step.when, where, read, fail);
    const then = read(step.then, where);
    const otherwise = read(step.else, where);
    if (then === null || otherwise === null) return;
    const mismatch = mismatchOf(then.spec, otherwise.spec);
    if (mismatch !== null) fail(`'${step.then}' and '${step.else}' do not match: ${mismatch}`);
    if (then.gate !== null && then.gate !== chosenGate)
      fail(
        `then reads '${step.then}', which exists only for ${describeGate(then.gate)}, not the choose step's`,
      );
    if (otherwise.gate !== null) fail(`else reads '${step.else}', which exists only for some records`);
    if (issues.length === before) {
      const spec = { ...then.spec, name: STEP_RESULT, shape: unify(then.spec.shape, otherwise.spec.shape) };
      typed.set(`${step.id}.${STEP_RESULT}`, { spec, gate: null });
    }
  }

  const outputs: TensorSpec[] = [];
  for (const [name, ref] of Object.entries(spec.outputs)) {
    const source = read(ref, `output '${name}'`);
    if (source === null) continue;
    if (source.gate !== null)
      issues.push({
        where: `output '${name}'`,
        message: `'${ref}' exists only for some records; answer it through a choose step`,
      });
    outputs.push({ ...source.spec, name });
  }
  if (issues.length > 0) return { ok: false, issues };
  return ok({ order: order.steps, inputs: [...inputs.values()], outputs });
}

/** The condition's key (gated tensors with equal keys exist for the same records), or null. */
function checkCondition(
  condition: Condition,
  where: string,
  read: (ref: TensorRef, where: string) => Typed | null,
  fail: (message: string) => void,
): string | null {
  const source = read(condition.ref, where);
  if (source !== null) {
    const perRecord = source.spec.shape.slice(1);
    const scalar = perRecord.length === 0 || (perRecord.length === 1 && perRecord[0] === 1);
    if (!scalar || !NUMERIC.includes(source.spec.elementType))
      fail(
        `the condition reads '${condition.ref}' (${source.spec.elementType} ${formatShape(source.spec.shape)}), not one number per record`,
      );
    if (source.gate !== null)
      fail(`the condition reads '${condition.ref}', which exists only for some records`);
  }
  return JSON.stringify([condition.ref, condition.min ?? null, condition.max ?? null]);
}

function gateProblem(ref: TensorRef, gate: string): string {
  return `reads '${ref}', which exists only for ${describeGate(gate)}; read it through a choose step`;
}

/** "records where cheap.score is in [0.3, 0.7]" for a condition's key. */
function describeGate(gate: string): string {
  const [ref, min, max] = JSON.parse(gate) as [string, number | null, number | null];
  return `records where ${ref} is in [${min ?? "-inf"}, ${max ?? "inf"}]`;
}

/** Why a tensor of type `actual` cannot feed one of type `expected`, or null when it can. */
export function mismatchOf(actual: TensorSpec, expected: TensorSpec): string | null {
  const types = `${actual.elementType} ${formatShape(actual.shape)} where ${expected.elementType} ${formatShape(expected.shape)} is expected`;
  if (actual.elementType !== expected.elementType) return types;
  if (actual.shape.length !== expected.shape.length) return types;
  const clash = actual.shape.some((dimension, k) => {
    const other = expected.shape[k]!;
    return isFixed(dimension) && isFixed(other) && dimension !== other;
  });
  return clash ? types : null;
}

const isFixed = (dimension: Dimension): dimension is number =>
  typeof dimension === "number" && dimension >= 0;

/** The more specific of two agreeing shapes, dimension by dimension. */
function unify(a: Dimension[], b: Dimension[]): Dimension[] {
  return a.map((dimension, k) => (isFixed(dimension) ? dimension : (b[k] ?? dimension)));
}

/** Kahn's algorithm in spec order (so a plan is stable), or one cycle's step ids. */
function dependencyOrder(
  steps: GraphStep[],
  byId: Map<string, GraphStep>,
): { steps: GraphStep[] } | { cycle: string[] } {
  const dependsOn = new Map(
    steps.map((step) => [
      step.id,
      new Set(
        refsOf(step)
          .map((ref) => parseRef(ref).step)
          .filter((source) => source !== GRAPH_INPUT),
      ),
    ]),
  );
  const done = new Set<string>();
  const order: GraphStep[] = [];
  let progress = true;
  while (progress) {
    progress = false;
    for (const step of steps) {
      if (done.has(step.id) || [...dependsOn.get(step.id)!].some((source) => !done.has(source))) continue;
      done.add(step.id);
      order.push(step);
      progress = true;
    }
  }
  if (order.length === steps.length) return { steps: order };
  // Walk unfinished dependencies from an unfinished step until one repeats: that loop is a cycle.
  const path: string[] = [];
  let current = steps.find((step) => !done.has(step.id))!.id;
  while (!path.includes(current)) {
    path.push(current);
    current = [...dependsOn.get(current)!].find((source) => !done.has(source) && byId.has(source))!;
  }
  return { cycle: [...path.slice(path.indexOf(current)), current] };
}
