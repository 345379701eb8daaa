import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { scanCsv } from "@/server/domain/feature-set/csv";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { isMissingCell, parseBoolCell, parseNumberCell } from "@/server/domain/feature-set/parse-cell";
import { V2_DATATYPE_BY_ELEMENT_TYPE } from "@/server/domain/inference/datatypes";
import { parseInferRequest } from "@/server/domain/inference/v2-infer-request";
import { formatShape, type Signature, type TensorSpec } from "@/server/domain/signature";
import { formatZodIssues } from "@/server/domain/zod-message";
import {
  EXPECTED_SCHEMAS,
  MAX_GOLDEN_SET_ROWS,
  type CsvEncoding,
  type GoldenExpected,
  type GoldenRow,
  type GoldenSetFormat,
  type GoldenSetTask,
} from "./golden-set-spec";

export interface GoldenSetSpec {
  format: GoldenSetFormat;
  task: GoldenSetTask;
  /** CSV and Parquet: how the table's columns become the input. */
  csvEncoding: CsvEncoding | null;
}

/**
 * Reads a whole golden set into rows the model can run, checked against its signature: the
 * upload reads it to refuse a bad file before storing anything, the evaluation worker to run it.
 * Throws a BAD_REQUEST AppError naming the line and the problem at the first bad row.
 */
export async function readGoldenSet(
  chunks: AsyncIterable<Uint8Array>,
  spec: GoldenSetSpec,
  signature: Signature,
  maxRows = MAX_GOLDEN_SET_ROWS,
): Promise<GoldenRow[]> {
  checkTaskOutputs(spec.task, signature);
  if (spec.format === "jsonl") return readJsonLines(chunks, spec.task, signature, maxRows);
  if (!spec.csvEncoding) throw badRequest(`a ${spec.format} golden set needs its label column`);
  if (spec.task.kind === "exact")
    throw badRequest("an exact golden set expects whole output tensors: upload it as JSONL");
  const table = { task: spec.task, encoding: spec.csvEncoding, signature };
  if (spec.format === "parquet") return readParquet(chunks, table, maxRows);
  return readCsv(chunks, table, maxRows);
}

/** The model's one 2-D float input a CSV row becomes, or why this model cannot take CSV rows. */
export function csvInputOf(signature: Signature, featureCount: number): TensorSpec {
  const [input, ...others] = signature.inputs;
  const fits =
    input !== undefined &&
    others.length === 0 &&
    (input.elementType === "float32" || input.elementType === "float64") &&
    input.shape.length === 2 &&
    (typeof input.shape[1] !== "number" || input.shape[1] === featureCount);
  if (!fits || !input) {
    const inputs = signature.inputs.map(
      (spec) => `'${spec.name}' ${spec.elementType} ${formatShape(spec.shape)}`,
    );
    throw badRequest(
      `a CSV golden set needs a model with one 2-D float input of ${featureCount} columns; ` +
        `this model's inputs are ${inputs.join(", ") || "none"}: upload JSONL instead`,
    );
  }
  return input;
}

function checkTaskOutputs(task: GoldenSetTask, signature: Signature): void {
  const named =
    task.kind === "binary-classification"
      ? [task.probabilityOutput, ...(task.labelOutput ? [task.labelOutput] : [])]
      : task.kind === "regression"
        ? [task.output]
        : [];
  const outputs = signature.outputs.map((spec) => spec.name);
  for (const name of named) {
    if (!outputs.includes(name))
      throw badRequest(
        `the model has no output '${name}'; its outputs are ${outputs.map((o) => `'${o}'`).join(", ")}`,
      );
  }
}

const ZJsonLine = z.object({ inputs: z.array(z.unknown()), expected: z.unknown() });

async function readJsonLines(
  chunks: AsyncIterable<Uint8Array>,
  task: GoldenSetTask,
  signature: Signature,
  maxRows: number,
): Promise<GoldenRow[]> {
  const rows: GoldenRow[] = [];
  for await (const { line, text } of textLines(chunks)) {
    if (text.trim() === "") continue;
    if (rows.length === maxRows) throw tooManyRows(maxRows);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw badRequest(`line ${line} is not valid JSON: ${(error as Error).message}`);
    }
    const shape = ZJsonLine.safeParse(value);
    if (!shape.success)
      throw badRequest(
        `line ${line} must be {"inputs": [tensors], "expected": {...}}: ${formatZodIssues(shape.error, "")}`,
      );
    rows.push({
      where: `line ${line}`,
      inputs: rowInputs(shape.data.inputs, signature, line),
      expected: jsonExpected(shape.data.expected, task, line),
    });
  }
  if (rows.length === 0) throw badRequest("the golden set has no rows");
  return rows;
}

/** The line's tensors, checked as an inference request of one row would be. */
function rowInputs(inputs: unknown[], signature: Signature, line: number) {
  try {
    return parseInferRequest({ inputs }, signature, { maxBatchRows: 1 }).inputs;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const message =
      error.code === "PAYLOAD_TOO_LARGE" ? "has more than one row; give one example per line" : error.message;
    throw badRequest(`line ${line}: ${message}`);
  }
}

function jsonExpected(value: unknown, task: GoldenSetTask, line: number): GoldenExpected {
  const invalid = (error: z.ZodError) => badRequest(`line ${line}: ${formatZodIssues(error, "expected")}`);
  switch (task.kind) {
    case "binary-classification": {
      const parsed = EXPECTED_SCHEMAS[task.kind].safeParse(value);
      if (!parsed.success) throw invalid(parsed.error);
      return { kind: "label", label: parsed.data.label };
    }
    case "regression": {
      const parsed = EXPECTED_SCHEMAS[task.kind].safeParse(value);
      if (!parsed.success) throw invalid(parsed.error);
      return { kind: "value", value: parsed.data.value };
    }
    case "exact": {
      const parsed = EXPECTED_SCHEMAS[task.kind].safeParse(value);
      if (!parsed.success) throw invalid(parsed.error);
      return { kind: "outputs", outputs: parsed.data.outputs };
    }
  }
}

interface Table {
  task: GoldenSetTask;
  encoding: CsvEncoding;
  signature: Signature;
}

async function readCsv(
  chunks: AsyncIterable<Uint8Array>,
  table: Table,
  maxRows: number,
): Promise<GoldenRow[]> {
  return scanCsv(chunks, { maxRows }, (columns) => {
    const encode = tableRowEncoder(columns, table);
    const rows: GoldenRow[] = [];
    return {
      addRow: ({ cells, line }) => rows.push(encode(cells, `line ${line}`)),
      finish: () => rows,
    };
  });
}

/**
 * The whole file in memory (uploads are bounded by the sample limit), since Parquet is read
 * from its footer; each value goes through the same encoding as a CSV cell.
 */
async function readParquet(
  chunks: AsyncIterable<Uint8Array>,
  table: Table,
  maxRows: number,
): Promise<GoldenRow[]> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  parts.reduce((offset, part) => (bytes.set(part, offset), offset + part.byteLength), 0);
  const file = bytes.buffer;
  let columns: string[];
  let records: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(file);
    if (metadata.num_rows > BigInt(maxRows)) throw tooManyRows(maxRows);
    const fields = parquetSchema(metadata).children;
    const nested = fields
      .filter((field) => field.children.length > 0)
      .map((field) => `'${field.element.name}'`);
    if (nested.length > 0)
      throw badRequest(`the Parquet columns ${nested.join(", ")} are nested; a golden set is flat`);
    columns = fields.map((field) => field.element.name);
    records = await parquetReadObjects({ file, metadata });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw badRequest(`the file is not a Parquet file hyparquet can read: ${(error as Error).message}`);
  }
  if (records.length === 0) throw badRequest("the golden set has no rows");
  const encode = tableRowEncoder(columns, table);
  return records.map((record, index) => {
    const where = `row ${index + 1}`;
    return encode(
      columns.map((column) => parquetCell(record[column], `${where}, column '${column}'`)),
      where,
    );
  });
}

/** A Parquet value as the text a CSV cell would hold; a missing value is an empty cell. */
function parquetCell(value: unknown, where: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return String(value);
  if (typeof value === "string") return value;
  throw badRequest(
    `${where} holds a ${value instanceof Date ? "date" : "nested value"}, not a number, label or category`,
  );
}

/** Checks a table's header against the encoding, and turns each row of cells into a golden row. */
function tableRowEncoder(
  columns: string[],
  { task, encoding: { labelColumn, features: declared }, signature }: Table,
): (cells: string[], where: string) => GoldenRow {
  const features = declared ?? numericColumns(columns, labelColumn);
  const featureIndexes = features.map((feature) => columns.indexOf(feature.name));
  const labelIndex = columns.indexOf(labelColumn);
  checkCsvHeader(columns, features, labelColumn, featureIndexes, labelIndex);
  const input = csvInputOf(signature, features.length);
  const datatype = V2_DATATYPE_BY_ELEMENT_TYPE[input.elementType];
  return (cells, where) => {
    const data = features.map((feature, k) => encodeCell(feature, cells[featureIndexes[k]!]!, where));
    const expected = csvExpected(task, labelColumn, cells[labelIndex]!, where);
    return { where, inputs: [{ name: input.name, datatype, shape: [1, features.length], data }], expected };
  };
}

function numericColumns(columns: string[], labelColumn: string): Feature[] {
  return columns
    .filter((column) => column !== labelColumn)
    .map((name) => ({ name, dtype: "float", min: null, max: null }));
}

function checkCsvHeader(
  columns: string[],
  features: Feature[],
  labelColumn: string,
  featureIndexes: number[],
  labelIndex: number,
): void {
  if (labelIndex < 0) throw badRequest(`the CSV header has no label column '${labelColumn}'`);
  const missing = features.filter((_, k) => featureIndexes[k]! < 0).map((feature) => `'${feature.name}'`);
  if (missing.length > 0) throw badRequest(`the CSV header lacks the feature columns ${missing.join(", ")}`);
  const known = new Set([labelColumn, ...features.map((feature) => feature.name)]);
  const extra = columns.filter((column) => !known.has(column)).map((column) => `'${column}'`);
  if (extra.length > 0)
    throw badRequest(`the CSV header has columns the model does not take: ${extra.join(", ")}`);
}

/** A cell as the model's input reads it: numbers as they are, categories as their index, booleans as 0/1. */
function encodeCell(feature: Feature, cell: string, row: string): number {
  const where = `${row}, column '${feature.name}'`;
  if (isMissingCell(cell)) throw badRequest(`${where} is empty; a golden set has no missing values`);
  if (feature.dtype === "category") {
    const index = feature.categories.indexOf(cell);
    if (index < 0)
      throw badRequest(`${where}: '${cell}' is not one of its categories (${feature.categories.join(", ")})`);
    return index;
  }
  if (feature.dtype === "bool") {
    const value = parseBoolCell(cell);
    if (value === null) throw badRequest(`${where}: '${cell}' is not true, false, 1 or 0`);
    return Number(value);
  }
  const value = parseNumberCell(cell);
  if (value === null) throw badRequest(`${where}: '${cell}' is not a number`);
  return value;
}

function csvExpected(task: GoldenSetTask, labelColumn: string, cell: string, row: string): GoldenExpected {
  const where = `${row}, column '${labelColumn}'`;
  if (task.kind === "binary-classification") {
    const label = parseBoolCell(cell);
    if (label === null) throw badRequest(`${where}: '${cell}' is not a label (1, 0, true or false)`);
    return { kind: "label", label: label ? 1 : 0 };
  }
  const value = parseNumberCell(cell);
  if (value === null) throw badRequest(`${where}: '${cell}' is not a number`);
  return { kind: "value", value };
}

/** The text of each line (without its newline) and its 1-based number; the bytes must be UTF-8. */
async function* textLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<{ line: number; text: string }> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending = "";
  let line = 0;
  const decode = (chunk?: Uint8Array) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw badRequest(`the file is not UTF-8 text (after line ${line})`);
    }
  };
  for await (const chunk of chunks) {
    pending += decode(chunk);
    let start = 0;
    for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n", start)) {
      yield { line: ++line, text: pending.slice(start, newline).replace(/\r$/, "") };
      start = newline + 1;
    }
    pending = pending.slice(start);
  }
  pending += decode();
  if (pending !== "") yield { line: ++line, text: pending };
}

function tooManyRows(maxRows: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `the golden set has more than ${maxRows} rows`);
}

const badRequest = (message: string) => new AppError("BAD_REQUEST", message);
