import type { FeatureBaseline, FeatureSetBaseline } from "@/server/domain/feature-set/baseline";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import type { V2Datatype } from "@/server/domain/inference/datatypes";
import { V2_DATATYPE_BY_ELEMENT_TYPE } from "@/server/domain/inference/datatypes";
import { formatShape, type Signature } from "@/server/domain/signature";
import { ok, type Issue, type Result } from "./issues";
import { ZRecordDatatype, type FieldSpec, type FieldStep, type PreprocessSpec } from "./record-spec";

/** What a record field holds before its steps: from the feature's dtype ("number" without one). */
export type FieldKind = "number" | "integer" | "category" | "bool";

/** A step with its parameters resolved: the per-record work is arithmetic and map look-ups. */
export type CompiledOp =
  | { op: "impute"; value: number | string | boolean }
  | { op: "clip"; min: number; max: number }
  /** (x - offset) / divisor: standardize and min_max alike. */
  | { op: "affine"; offset: number; divisor: number }
  | { op: "encode"; oneHot: boolean; index: ReadonlyMap<string, number>; reserved: boolean };

export type CompiledField = {
  field: string;
  kind: FieldKind;
  /** Categories a category field accepts (for messages); null without a feature set. */
  categories: string[] | null;
  ops: CompiledOp[];
  /** Values the field puts in its row: one-hot columns, or 1. */
  width: number;
};

export type CompiledInput = {
  name: string;
  datatype: V2Datatype;
  /** 1: shape [n] (one value per record); 2: shape [n, width]. */
  rank: 1 | 2;
  width: number;
  fields: CompiledField[];
};

/** A checked pre-processing spec, ready for recordsToTensors; one per revision, cached. */
export type PreprocessPlan = { inputs: CompiledInput[] };

export type PreprocessContext = {
  signature: Signature;
  /** The linked feature set version's features, or null when the version has none. */
  features: Feature[] | null;
  baseline: FeatureSetBaseline | null;
};

const RECORD_DATATYPES: readonly V2Datatype[] = ZRecordDatatype.options;

/**
 * Checks a spec against the model's signature and the feature set (every input filled once, every
 * field a feature, steps that fit the field's dtype, widths that fit the input's shape) and resolves
 * parameters from the baseline. All problems at once, each naming the input, field and step.
 */
export function compilePreprocess(spec: PreprocessSpec, context: PreprocessContext): Result<PreprocessPlan> {
  const issues: Issue[] = [];
  const inputs: CompiledInput[] = [];
  const names = context.signature.inputs.map((input) => input.name);
  const seen = new Set<string>();
  spec.inputs.forEach((mapping, i) => {
    const where = `inputs[${i}] '${mapping.input}'`;
    const input = context.signature.inputs.find((candidate) => candidate.name === mapping.input);
    if (!input) {
      issues.push({
        where,
        message: `the model has no input '${mapping.input}'; its inputs are ${quote(names)}`,
      });
      return;
    }
    if (seen.has(input.name)) {
      issues.push({ where, message: `input '${input.name}' is filled twice` });
      return;
    }
    seen.add(input.name);
    const datatype = mapping.datatype ?? V2_DATATYPE_BY_ELEMENT_TYPE[input.elementType];
    if (!RECORD_DATATYPES.includes(datatype)) {
      issues.push({
        where,
        message: `records fill numeric inputs only; '${input.name}' is ${input.elementType}`,
      });
      return;
    }
    const fieldSpecs = mapping.fields ?? defaultFields(context.features);
    if (fieldSpecs === null) {
      issues.push({ where, message: "without a feature set the spec must list the input's fields" });
      return;
    }
    const before = issues.length;
    const fields = fieldSpecs.map((spec, j) =>
      compileField(
        spec,
        `${where}, fields[${j}] '${spec.field}'`,
        context,
        mapping.fields === undefined,
        issues,
      ),
    );
    if (issues.length > before) return;
    const width = fields.reduce((sum, field) => sum + field!.width, 0);
    const rank = input.shape.length;
    const last = input.shape[rank - 1];
    if (rank !== 1 && rank !== 2) {
      issues.push({
        where,
        message: `records fill inputs of rank 1 or 2; '${input.name}' is ${formatShape(input.shape)}`,
      });
    } else if (rank === 1 && width !== 1) {
      issues.push({
        where,
        message: `input '${input.name}' ${formatShape(input.shape)} takes 1 value per record; the fields give ${width}`,
      });
    } else if (rank === 2 && typeof last === "number" && last >= 0 && last !== width) {
      issues.push({
        where,
        message: `input '${input.name}' ${formatShape(input.shape)} takes ${last} values per record; the fields give ${width}`,
      });
    } else {
      inputs.push({ name: input.name, datatype, rank, width, fields: fields as CompiledField[] });
    }
  });
  for (const name of names) {
    if (!seen.has(name))
      issues.push({ where: "inputs", message: `the model's input '${name}' is not filled` });
  }
  return issues.length > 0 ? { ok: false, issues } : ok({ inputs });
}

/** Every feature in order: the encoding the demo models and the batch jobs use. */
function defaultFields(features: Feature[] | null): FieldSpec[] | null {
  if (features === null) return null;
  return features.map((feature) => ({
    field: feature.name,
    steps: feature.dtype === "category" ? [{ op: "ordinal", unknown: "error" }] : [],
  }));
}

function compileField(
  spec: FieldSpec,
  where: string,
  context: PreprocessContext,
  implied: boolean,
  issues: Issue[],
): CompiledField | null {
  const feature = context.features?.find((candidate) => candidate.name === spec.field);
  if (context.features !== null && !feature) {
    const known = context.features.map((candidate) => candidate.name);
    issues.push({
      where,
      message: `the feature set has no feature '${spec.field}'; its features are ${quote(known)}`,
    });
    return null;
  }
  const encodes = spec.steps.some((step) => step.op === "one_hot" || step.op === "ordinal");
  const kind: FieldKind = feature ? kindOf(feature) : encodes ? "category" : "number";
  const baseline = context.baseline?.features.find((candidate) => candidate.name === spec.field) ?? null;
  const field: CompiledField = {
    field: spec.field,
    kind,
    categories: feature?.dtype === "category" ? feature.categories : null,
    ops: [],
    width: 1,
  };
  let encoded = false;
  const before = issues.length;
  spec.steps.forEach((step, k) => {
    const at = implied ? where : `${where}, step ${k} (${step.op})`;
    const fail = (message: string) => issues.push({ where: at, message });
    if (step.op === "impute") {
      if (k !== 0) return fail("impute must be the field's first step");
      const value = imputeValue(step, kind, feature, baseline);
      return typeof value === "object" ? fail(value.problem) : field.ops.push({ op: "impute", value });
    }
    if (encoded)
      return fail(`${step.op} comes after the field was encoded; numeric steps go before one_hot or ordinal`);
    if (step.op === "one_hot" || step.op === "ordinal") {
      if (kind !== "category")
        return fail(`${step.op} needs a categorical field; '${spec.field}' is ${kind}`);
      const categories = step.categories ?? field.categories;
      if (categories === null) return fail("without a feature set the categories must be given");
      encoded = true;
      const reserved = step.unknown === "reserved";
      field.width = step.op === "one_hot" ? categories.length + (reserved ? 1 : 0) : 1;
      field.categories = categories;
      return field.ops.push({
        op: "encode",
        oneHot: step.op === "one_hot",
        index: new Map(categories.map((category, index) => [category, index])),
        reserved,
      });
    }
    if (kind === "category") return fail(`'${spec.field}' is categorical: ${step.op} needs a number`);
    const resolved = numericOp(step, kind, feature, baseline);
    return "problem" in resolved ? fail(resolved.problem) : field.ops.push(resolved);
  });
  if (kind === "category" && !encoded && issues.length === before)
    issues.push({ where, message: `'${spec.field}' is categorical: give it a one_hot or ordinal step` });
  return issues.length > before ? null : field;
}

function kindOf(feature: Feature): FieldKind {
  if (feature.dtype === "float") return "number";
  if (feature.dtype === "int") return "integer";
  return feature.dtype;
}

type Problem = { problem: string };

function imputeValue(
  step: Extract<FieldStep, { op: "impute" }>,
  kind: FieldKind,
  feature: Feature | undefined,
  baseline: FeatureBaseline | null,
): number | string | boolean | Problem {
  if (step.strategy === "constant") {
    const value = step.value;
    if (value === undefined) return { problem: "a constant impute needs a value" };
    const expected = kind === "category" ? "string" : kind === "bool" ? "boolean" : "number";
    if (typeof value !== expected)
      return { problem: `the constant ${JSON.stringify(value)} is not a ${expected}` };
    if (feature?.dtype === "category" && !feature.categories.includes(value as string))
      return { problem: `the constant '${String(value)}' is not one of the feature's categories` };
    if (kind === "integer" && !Number.isInteger(value))
      return { problem: `the constant ${String(value)} is not an integer` };
    return value;
  }
  if (value(step.value)) return { problem: `only a constant impute takes a value` };
  if (baseline === null)
    return { problem: `${step.strategy} imputation needs the feature set version's baseline` };
  if (step.strategy === "mean") {
    if (baseline.kind !== "numeric" || baseline.distribution === null)
      return {
        problem:
          baseline.kind === "numeric"
            ? "the baseline has no values for the feature"
            : "mean imputation needs a numeric feature; use mode",
      };
    const mean = baseline.distribution.mean;
    return kind === "integer" ? Math.round(mean) : mean;
  }
  if (baseline.kind !== "categorical")
    return { problem: "mode imputation needs a categorical or bool feature; use mean" };
  const top = baseline.frequencies.reduce<{ category: string; count: number } | null>(
    (best, entry) => (entry.count > (best?.count ?? 0) ? entry : best),
    null,
  );
  if (top === null) return { problem: "the baseline has no values for the feature" };
  return kind === "bool" ? top.category === "true" : top.category;
}

const value = (candidate: unknown) => candidate !== undefined;

function numericOp(
  step: Extract<FieldStep, { op: "clip" | "standardize" | "min_max" }>,
  kind: FieldKind,
  feature: Feature | undefined,
  baseline: FeatureBaseline | null,
): CompiledOp | Problem {
  if (step.op === "clip") {
    if (step.min !== undefined || step.max !== undefined) {
      const min = step.min ?? -Infinity;
      const max = step.max ?? Infinity;
      return min <= max ? { op: "clip", min, max } : { problem: `min ${min} is greater than max ${max}` };
    }
    if (feature?.dtype !== "float" && feature?.dtype !== "int")
      return { problem: "clip without bounds takes the feature set's range; give min or max" };
    if (feature.min === null && feature.max === null)
      return { problem: `the feature set declares no range for '${feature.name}'; give min or max` };
    return { op: "clip", min: feature.min ?? -Infinity, max: feature.max ?? Infinity };
  }
  const given = step.op === "standardize" ? [step.mean, step.std] : [step.min, step.max];
  if (given.filter(value).length === 1)
    return {
      problem: `give both ${step.op === "standardize" ? "mean and std" : "min and max"}, or neither to use the baseline's`,
    };
  const [first, second] = given;
  if (first !== undefined && second !== undefined) return affine(step.op, first, second);
  if (baseline === null)
    return { problem: `${step.op} without parameters needs the feature set version's baseline` };
  const moments = momentsOf(baseline, kind, step.op === "standardize" ? step.baselineStd : "population");
  if (moments === null) return { problem: "the baseline has no values for the feature" };
  return step.op === "standardize"
    ? affine(step.op, moments.mean, moments.std)
    : affine(step.op, moments.min, moments.max);
}

function affine(op: "standardize" | "min_max", first: number, second: number): CompiledOp | Problem {
  if (op === "standardize") return { op: "affine", offset: first, divisor: second === 0 ? 1 : second };
  if (first > second) return { problem: `min ${first} is greater than max ${second}` };
  return { op: "affine", offset: first, divisor: second === first ? 1 : second - first };
}

/**
 * The baseline's mean, std (of the kind asked for) and range. A bool feature's come from its share
 * p of true values, as 0/1: mean p, population variance p(1 - p), range [0, 1].
 */
function momentsOf(
  baseline: FeatureBaseline,
  kind: FieldKind,
  std: "population" | "sample",
): { mean: number; std: number; min: number; max: number } | null {
  const n = baseline.count;
  if (n === 0) return null;
  const toPopulation = n > 1 ? Math.sqrt((n - 1) / n) : 0;
  if (baseline.kind === "numeric") {
    const distribution = baseline.distribution;
    if (distribution === null) return null;
    const scale = std === "population" ? toPopulation : 1;
    return {
      mean: distribution.mean,
      std: distribution.std * scale,
      min: distribution.min,
      max: distribution.max,
    };
  }
  if (kind !== "bool") return null;
  const p = baseline.frequencies.find((entry) => entry.category === "true")?.share ?? 0;
  const population = Math.sqrt(p * (1 - p));
  const sample = n > 1 ? population / toPopulation : 0;
  return { mean: p, std: std === "population" ? population : sample, min: 0, max: 1 };
}

function quote(names: string[]): string {
  return names.length === 0 ? "(none)" : names.map((name) => `'${name}'`).join(", ");
}
