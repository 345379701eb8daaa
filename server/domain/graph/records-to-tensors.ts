import type { V2Datatype, WireTensor } from "@/server/domain/inference/datatypes";
import type { CompiledField, CompiledInput, PreprocessPlan } from "./compile-preprocess";
import { MAX_ISSUES, ok, type RecordIssue, type Result } from "./issues";

const MAX_CATEGORIES_IN_MESSAGE = 10;

/** Integer datatypes and the range a value must lie in (64-bit ones: JSON numbers are exact to 2^53). */
const INTEGER_RANGES: Partial<Record<V2Datatype, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32_768, 32_767],
  INT32: [-2_147_483_648, 2_147_483_647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 255],
  UINT16: [0, 65_535],
  UINT32: [0, 4_294_967_295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

/**
 * Records (the `instances` of a record request) as the model's input tensors, one row per record,
 * in the plan's input order. Every problem is returned (up to MAX_ISSUES), naming the record's
 * index and the field, so one 400 tells the caller all it must fix; nothing is thrown.
 */
export function recordsToTensors(
  plan: PreprocessPlan,
  records: readonly unknown[],
): Result<WireTensor[], RecordIssue> {
  const issues: RecordIssue[] = [];
  records.forEach((record, r) => {
    if (typeof record !== "object" || record === null || Array.isArray(record))
      issues.push({ record: r, field: "", message: `expected an object of fields, got ${describe(record)}` });
  });
  if (issues.length > 0) return { ok: false, issues: issues.slice(0, MAX_ISSUES) };
  const tensors = plan.inputs.map((input) => fillInput(input, records as Record<string, unknown>[], issues));
  return issues.length > 0 ? { ok: false, issues: issues.slice(0, MAX_ISSUES) } : ok(tensors);
}

function fillInput(
  input: CompiledInput,
  records: readonly Record<string, unknown>[],
  issues: RecordIssue[],
): WireTensor {
  const data = new Array<number>(records.length * input.width).fill(0);
  const range = INTEGER_RANGES[input.datatype];
  records.forEach((record, r) => {
    if (issues.length >= MAX_ISSUES) return;
    let offset = r * input.width;
    for (const field of input.fields) {
      const problem = fillField(
        field,
        Object.hasOwn(record, field.field) ? record[field.field] : undefined,
        data,
        offset,
      );
      if (problem === null && range) {
        for (let k = offset; k < offset + field.width; k++) {
          const value = data[k]!;
          if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
            issues.push({ record: r, field: field.field, message: castProblem(value, input) });
            break;
          }
        }
      } else if (problem !== null) {
        issues.push({ record: r, field: field.field, message: problem });
      }
      offset += field.width;
    }
  });
  if (input.datatype === "FP32") for (let k = 0; k < data.length; k++) data[k] = Math.fround(data[k]!);
  const shape = input.rank === 1 ? [records.length] : [records.length, input.width];
  return { name: input.name, datatype: input.datatype, shape, data };
}

/** Writes the field's value(s) at `offset`; returns what is wrong with the value instead, if anything. */
function fillField(field: CompiledField, raw: unknown, data: number[], offset: number): string | null {
  let value: number | string | boolean;
  const [first] = field.ops;
  if (raw === undefined || raw === null) {
    if (first?.op !== "impute") return "missing required field";
    value = first.value;
  } else {
    const problem = checkRaw(field, raw);
    if (problem !== null) return problem;
    value = raw as number | string | boolean;
  }
  for (const op of field.ops) {
    if (op.op === "impute") continue;
    if (op.op === "encode") {
      const text = value as string;
      const known = op.index.get(text);
      if (known === undefined && !op.reserved)
        return `unknown category '${text}' (expected ${listCategories([...op.index.keys()])})`;
      const index = known ?? op.index.size;
      if (!op.oneHot) {
        data[offset] = index;
      } else {
        data[offset + index] = 1;
      }
      return null;
    }
    const x = typeof value === "boolean" ? Number(value) : (value as number);
    value = op.op === "clip" ? Math.min(op.max, Math.max(op.min, x)) : (x - op.offset) / op.divisor;
  }
  data[offset] = typeof value === "boolean" ? Number(value) : (value as number);
  return null;
}

/** What is wrong with a present value for the field's kind; strings are never read as numbers. */
function checkRaw(field: CompiledField, raw: unknown): string | null {
  switch (field.kind) {
    case "number":
    case "integer":
      if (typeof raw !== "number") return `expected a number, got ${describe(raw)}`;
      if (!Number.isFinite(raw)) return `expected a finite number, got ${raw}`;
      if (field.kind === "integer" && !Number.isInteger(raw)) return `expected an integer, got ${raw}`;
      return null;
    case "bool":
      return typeof raw === "boolean" || raw === 0 || raw === 1
        ? null
        : `expected true or false, got ${describe(raw)}`;
    case "category":
      if (typeof raw === "string") return null;
      return `expected a category (a string${field.categories ? `: ${listCategories(field.categories)}` : ""}), got ${describe(raw)}`;
  }
}

function castProblem(value: number, input: CompiledInput): string {
  const what = Number.isInteger(value) ? "out of range" : "not an integer";
  return `${value} is ${what} for input '${input.name}' (${input.datatype})`;
}

function describe(raw: unknown): string {
  if (typeof raw === "string")
    return `the string ${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}...` : raw)}`;
  if (Array.isArray(raw)) return "a list";
  if (raw === null) return "null";
  if (typeof raw === "object") return "an object";
  return String(raw);
}

function listCategories(categories: string[]): string {
  const shown = categories.slice(0, MAX_CATEGORIES_IN_MESSAGE).map((category) => `'${category}'`);
  if (categories.length > MAX_CATEGORIES_IN_MESSAGE)
    shown.push(`and ${categories.length - MAX_CATEGORIES_IN_MESSAGE} more`);
  return `one of ${shown.join(", ")}`;
}
