import { AppError } from "@/server/domain/app-error";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { isMissingCell, parseBoolCell, parseNumberCell } from "@/server/domain/feature-set/parse-cell";
import { V2_DATATYPE_BY_ELEMENT_TYPE, type V2Datatype } from "@/server/domain/inference/datatypes";
import { formatShape, ZElementType, type ElementType, type Signature } from "@/server/domain/signature";
import type { ColumnMapping } from "./batch-spec";

/** One model input and the file columns (by index in the header) that fill its row. */
export interface MappedInput {
  name: string;
  datatype: V2Datatype;
  integer: boolean;
  columns: { index: number; feature: Feature }[];
}

const NUMERIC: readonly ElementType[] = ZElementType.options.filter(
  (type) => type !== "bool" && type !== "string",
);
const INTEGER: readonly ElementType[] = NUMERIC.filter(
  (type) => type.startsWith("int") || type.startsWith("uint"),
);

export interface InputPlanOptions {
  signature: Signature;
  /** The file's columns: the CSV header, the Parquet schema, the JSONL keys of the mapping. */
  columns: string[];
  /** Given by the caller; else the feature set's features, or every column. */
  mapping: ColumnMapping | null;
  /** The linked feature set's features (their encodings), or null. */
  features: Feature[] | null;
}

/**
 * How each row of the file becomes the model's inputs, checked once against the header before
 * any row is read: every input must be 2-D and numeric, every mapped column must exist, and the
 * column count must fit the input's width. Throws BAD_REQUEST naming the input and column.
 */
export function planInputs({ signature, columns, mapping, features }: InputPlanOptions): MappedInput[] {
  const resolved = mapping ?? defaultMapping(signature, columns, features);
  const names = signature.inputs.map((input) => input.name);
  const unknown = Object.keys(resolved).filter((name) => !names.includes(name));
  if (unknown.length > 0)
    throw badRequest(
      `the mapping names ${unknown.map((n) => `'${n}'`).join(", ")}, which the model does not take; its inputs are ${names.map((n) => `'${n}'`).join(", ")}`,
    );
  const byName = new Map(features?.map((feature) => [feature.name, feature]));
  return signature.inputs.map((input) => {
    const where = `input '${input.name}' (${input.elementType} ${formatShape(input.shape)})`;
    if (input.shape.length !== 2 || !NUMERIC.includes(input.elementType))
      throw badRequest(`${where} is not a 2-D numeric tensor: a batch job fills inputs from table columns`);
    const mapped = resolved[input.name];
    if (!mapped) throw badRequest(`the mapping gives no columns for ${where}`);
    const width = input.shape[1];
    if (typeof width === "number" && width !== mapped.length)
      throw badRequest(`${where} takes ${width} columns; the mapping gives ${mapped.length}`);
    return {
      name: input.name,
      datatype: V2_DATATYPE_BY_ELEMENT_TYPE[input.elementType],
      integer: INTEGER.includes(input.elementType),
      columns: mapped.map((column) => {
        const index = columns.indexOf(column);
        if (index < 0)
          throw badRequest(
            `the file has no column '${column}', which the mapping names for ${where}; its columns are ${columns.map((c) => `'${c}'`).join(", ")}`,
          );
        return {
          index,
          feature: byName.get(column) ?? { name: column, dtype: "float", min: null, max: null },
        };
      }),
    };
  });
}

function defaultMapping(signature: Signature, columns: string[], features: Feature[] | null): ColumnMapping {
  const [input, ...others] = signature.inputs;
  if (!input || others.length > 0)
    throw badRequest(
      `the model has ${signature.inputs.length} inputs: give a column mapping (input name -> columns)`,
    );
  return { [input.name]: features ? features.map((feature) => feature.name) : columns };
}

export type EncodedRow = { ok: true; values: number[][] } | { ok: false; reason: string };

/**
 * One row's values per input, or why the row cannot be scored (the column and the value).
 * `cellAt` gives the raw value at a header index: text for CSV, JSON or Parquet values otherwise.
 */
export function encodeRow(plan: MappedInput[], cellAt: (index: number) => unknown): EncodedRow {
  const values: number[][] = [];
  for (const input of plan) {
    const row: number[] = new Array(input.columns.length);
    for (let k = 0; k < input.columns.length; k++) {
      const { index, feature } = input.columns[k]!;
      const value = encodeValue(feature, cellAt(index));
      if (typeof value === "string") return { ok: false, reason: `column '${feature.name}'${value}` };
      if (input.integer && !Number.isInteger(value))
        return {
          ok: false,
          reason: `column '${feature.name}': ${value} is not an integer (input '${input.name}')`,
        };
      row[k] = value;
    }
    values.push(row);
  }
  return { ok: true, values };
}

/** The value as a number, or a message (starting after the column name) saying why not. */
function encodeValue(feature: Feature, raw: unknown): number | string {
  if (raw === null || raw === undefined || (typeof raw === "string" && isMissingCell(raw)))
    return " is empty";
  if (typeof raw === "bigint") return Number(raw);
  if (feature.dtype === "category") {
    const index = feature.categories.indexOf(String(raw));
    return index >= 0
      ? index
      : `: '${String(raw)}' is not one of its categories (${feature.categories.join(", ")})`;
  }
  if (feature.dtype === "bool") {
    const value =
      typeof raw === "boolean"
        ? raw
        : typeof raw === "string"
          ? parseBoolCell(raw)
          : raw === 1
            ? true
            : raw === 0
              ? false
              : null;
    return value === null ? `: '${String(raw)}' is not true, false, 1 or 0` : Number(value);
  }
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : `: ${raw} is not a finite number`;
  if (typeof raw === "boolean") return Number(raw);
  if (typeof raw !== "string") return ` holds a ${Array.isArray(raw) ? "list" : typeof raw}, not a number`;
  const value = parseNumberCell(raw);
  return value === null ? `: '${raw}' is not a number` : value;
}

const badRequest = (message: string) => new AppError("BAD_REQUEST", message);
