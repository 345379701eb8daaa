import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { parse as parseSync } from "csv-parse/sync";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { AppError } from "@/server/domain/app-error";
import type { BatchInputFormat } from "@/server/domain/batch/batch-spec";
import { BatchInputPool, ChunkBatch, type PassThrough } from "@/server/domain/batch/chunk-batch";
import { planRowRanges, RecordScanner, type ChunkBounds } from "@/server/domain/batch/chunk-plan";
import { CsvBatchReader } from "@/server/domain/batch/csv-batch-reader";
import { encodeRow, type MappedInput } from "@/server/domain/batch/input-plan";

/** What a batch input holds, found in one streaming pass: its columns and its chunks. */
export interface InspectedInput {
  columns: string[];
  /** Parquet: each column's physical type, for the type check against the mapping. */
  parquetTypes: Map<string, string> | null;
  totalRows: number;
  chunks: ChunkBounds[];
}

const PARQUET_MAGIC = "PAR1";

/**
 * Reads the input once, streaming, to find its columns and its chunk boundaries. Throws a
 * BAD_REQUEST naming the cause for a file that is empty, not what its format says, or without rows.
 */
export async function inspectInput(
  filePath: string,
  format: BatchInputFormat,
  chunkRows: number,
): Promise<InspectedInput> {
  const head = await readHead(filePath, 4096);
  if (head.length === 0) throw badRequest("the file is empty");
  const startsAsParquet = new TextDecoder("latin1").decode(head.subarray(0, 4)) === PARQUET_MAGIC;
  if (format === "parquet") {
    if (!startsAsParquet) throw badRequest("the file is not Parquet: it does not start with PAR1");
    return inspectParquet(filePath, chunkRows);
  }
  if (startsAsParquet)
    throw badRequest(`the file is Parquet, not ${format.toUpperCase()}: give format 'parquet'`);
  const scanner = new RecordScanner({ chunkRows, csv: format === "csv" });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let offset = 0;
  for await (const chunk of createReadStream(filePath) as AsyncIterable<Buffer>) {
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      throw badRequest(`the file is not UTF-8 text (near byte ${offset}), so not ${format.toUpperCase()}`);
    }
    scanner.push(chunk);
    offset += chunk.length;
  }
  const plan = scanner.finish();
  if (format === "csv" && !plan.sawHeader)
    throw badRequest("the CSV file has only empty lines: a header row is required");
  if (plan.totalRows === 0) throw badRequest(`the ${format.toUpperCase()} file has no data rows`);
  const columns = format === "csv" ? await csvHeader(filePath, plan.headerEnd) : jsonColumns(head);
  return { columns, parquetTypes: null, totalRows: plan.totalRows, chunks: plan.chunks };
}

async function readHead(filePath: string, bytes: number): Promise<Uint8Array> {
  const file = await open(filePath);
  try {
    const buffer = new Uint8Array(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

async function csvHeader(filePath: string, headerEnd: number): Promise<string[]> {
  const text = new TextDecoder().decode(await readHead(filePath, headerEnd));
  let records: string[][];
  try {
    records = parseSync(text, { bom: true, trim: true, skip_empty_lines: true });
  } catch (error) {
    throw badRequest(`the CSV header is not valid CSV: ${(error as Error).message}`);
  }
  const columns = records[0] ?? [];
  const blank = columns.findIndex((column) => column === "");
  if (blank >= 0) throw badRequest(`the CSV header's column ${blank + 1} has no name`);
  const duplicate = columns.find((column, index) => columns.indexOf(column) !== index);
  if (duplicate) throw badRequest(`the CSV header names column '${duplicate}' twice`);
  return columns;
}

/** A JSONL input's columns: the keys of its first object (a mapping names the ones the model takes). */
function jsonColumns(head: Uint8Array): string[] {
  const text = new TextDecoder().decode(head);
  const first = text.split("\n").find((line) => line.trim() !== "") ?? "";
  let value: unknown;
  try {
    value = JSON.parse(first);
  } catch {
    // A first line longer than the head: its keys come from the mapping alone.
    if (first.length >= head.length - 1) return [];
    throw badRequest("line 1 is not valid JSON, so the file is not JSONL");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw badRequest("line 1 is not a JSON object: each line of a batch input is one row as {column: value}");
  return Object.keys(value);
}

async function inspectParquet(filePath: string, chunkRows: number): Promise<InspectedInput> {
  try {
    const file = await asyncBufferFromFile(filePath);
    const metadata = await parquetMetadataAsync(file);
    const fields = parquetSchema(metadata).children;
    const nested = fields
      .filter((field) => field.children.length > 0)
      .map((field) => `'${field.element.name}'`);
    if (nested.length > 0)
      throw badRequest(`the Parquet columns ${nested.join(", ")} are nested; a batch input is flat`);
    const totalRows = Number(metadata.num_rows);
    if (totalRows === 0) throw badRequest("the Parquet file has no rows");
    return {
      columns: fields.map((field) => field.element.name),
      parquetTypes: new Map(fields.map((field) => [field.element.name, parquetTypeName(field.element)])),
      totalRows,
      chunks: planRowRanges(totalRows, chunkRows),
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw badRequest(`the file is not a Parquet file hyparquet can read: ${(error as Error).message}`);
  }
}

function parquetTypeName(element: { type?: string; converted_type?: string }): string {
  if (element.converted_type === "UTF8" || element.converted_type === "ENUM") return "string";
  if (element.type === "BYTE_ARRAY") return "bytes";
  if (element.converted_type?.startsWith("TIMESTAMP") || element.converted_type === "DATE") return "date";
  return (element.type ?? "unknown").toLowerCase();
}

const NUMERIC_PARQUET = new Set(["boolean", "int32", "int64", "float", "double"]);

/** Parquet columns must hold what their feature reads: numbers (or booleans), or text for categories. */
export function checkParquetTypes(plan: MappedInput[], columns: string[], types: Map<string, string>): void {
  for (const input of plan) {
    for (const { index, feature } of input.columns) {
      const name = columns[index]!;
      const type = types.get(name) ?? "unknown";
      const fits =
        feature.dtype === "category"
          ? type === "string" || NUMERIC_PARQUET.has(type)
          : NUMERIC_PARQUET.has(type);
      if (!fits)
        throw badRequest(
          `Parquet column '${name}' is of type ${type}; input '${input.name}' needs ${feature.dtype === "category" ? "text or numbers (categories)" : "numbers or booleans"} there`,
        );
    }
  }
}

/**
 * The rows of one chunk, in batches of `batchRows` scorable rows, streamed from its byte range
 * (CSV, JSONL) or its row range (Parquet): memory holds a read buffer and the batches not yet
 * written (or the row groups the range touches), never the file. A batch released once written
 * lends its input arrays to the next.
 */
export async function* readChunkBatches(
  filePath: string,
  format: BatchInputFormat,
  chunk: ChunkBounds,
  columns: string[],
  plan: MappedInput[],
  batchRows: number,
): AsyncGenerator<ChunkBatch> {
  const pool = new BatchInputPool();
  if (format === "csv") {
    yield* csvBatches(filePath, chunk, columns.length, plan, batchRows, pool);
    return;
  }
  let batch = new ChunkBatch(plan, batchRows, pool);
  const rows =
    format === "jsonl" ? jsonRows(filePath, chunk, columns) : parquetRows(filePath, chunk, columns);
  for await (const row of rows) {
    if (row.ok) batch.addEncoded(row.line, row.passThrough, encodeRow(plan, row.cellAt));
    else batch.addRefused(row.line, row.passThrough, row.reason);
    if (batch.scorable < batchRows) continue;
    yield batch;
    batch = new ChunkBatch(plan, batchRows, pool);
  }
  if (batch.length > 0) yield batch;
}

/** One JSONL or Parquet row: where it is, and its raw values by header index (or why it has none). */
type ChunkRow =
  | { line: number; ok: true; cellAt: (index: number) => unknown; passThrough: PassThrough }
  | { line: number; ok: false; reason: string; passThrough: PassThrough };

/** Fewer, larger reads than the default 64 kB: each read is a wait the chunk's pipeline cannot overlap. */
const READ_BUFFER_BYTES = 1 << 20;

function rangeStream(filePath: string, chunk: ChunkBounds) {
  // createReadStream's end is inclusive; an empty range reads nothing.
  return createReadStream(filePath, {
    start: chunk.byteStart!,
    end: Math.max(chunk.byteStart!, chunk.byteEnd! - 1),
    highWaterMark: READ_BUFFER_BYTES,
  });
}

async function* csvBatches(
  filePath: string,
  chunk: ChunkBounds,
  columnCount: number,
  plan: MappedInput[],
  batchRows: number,
  pool: BatchInputPool,
): AsyncGenerator<ChunkBatch> {
  const reader = new CsvBatchReader({ plan, columnCount, firstLine: chunk.firstLine, batchRows, pool });
  const read = (take: () => ChunkBatch | null) => {
    try {
      return take();
    } catch (error) {
      throw badRequest(
        `the CSV chunk from line ${chunk.firstLine} is not valid CSV: ${(error as Error).message}`,
      );
    }
  };
  for await (const bytes of rangeStream(filePath, chunk) as AsyncIterable<Buffer>) {
    reader.push(bytes);
    for (let batch = read(() => reader.next()); batch; batch = read(() => reader.next())) yield batch;
  }
  const last = read(() => reader.end());
  if (last) yield last;
}

async function* jsonRows(filePath: string, chunk: ChunkBounds, columns: string[]): AsyncGenerator<ChunkRow> {
  const decoder = new TextDecoder();
  let pending = "";
  let line = chunk.firstLine - 1;
  const rowOf = (text: string): ChunkRow | null => {
    line++;
    if (text.trim() === "") return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return {
        line,
        ok: false,
        reason: `is not valid JSON: ${(error as Error).message}`,
        passThrough: { raw: text },
      };
    }
    if (value === null || typeof value !== "object" || Array.isArray(value))
      return { line, ok: false, reason: "is not a JSON object {column: value}", passThrough: { raw: text } };
    const object = value as Record<string, unknown>;
    return { line, ok: true, cellAt: (index) => object[columns[index]!], passThrough: { object } };
  };
  for await (const bytes of rangeStream(filePath, chunk) as AsyncIterable<Buffer>) {
    pending += decoder.decode(bytes, { stream: true });
    let start = 0;
    for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n", start)) {
      const row = rowOf(pending.slice(start, newline).replace(/\r$/, ""));
      if (row) yield row;
      start = newline + 1;
    }
    pending = pending.slice(start);
  }
  pending += decoder.decode();
  if (pending !== "") {
    const row = rowOf(pending.replace(/\r$/, ""));
    if (row) yield row;
  }
}

/** Rows of a Parquet chunk, read a slice at a time so a large chunk is not decoded whole. */
const PARQUET_SLICE_ROWS = 8192;

async function* parquetRows(
  filePath: string,
  chunk: ChunkBounds,
  columns: string[],
): AsyncGenerator<ChunkRow> {
  const file = await asyncBufferFromFile(filePath);
  const metadata = await parquetMetadataAsync(file);
  const end = chunk.rowStart + chunk.rowCount;
  for (let rowStart = chunk.rowStart; rowStart < end; rowStart += PARQUET_SLICE_ROWS) {
    const rowEnd = Math.min(end, rowStart + PARQUET_SLICE_ROWS);
    const records = await parquetReadObjects({ file, metadata, rowStart, rowEnd });
    for (let k = 0; k < records.length; k++) {
      const record = records[k]!;
      const cells = columns.map((column) => parquetText(record[column]));
      yield {
        line: rowStart + k + 1,
        ok: true,
        cellAt: (index) => record[columns[index]!],
        passThrough: { cells },
      };
    }
  }
}

function parquetText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  return typeof value === "object"
    ? JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))
    : String(value);
}

const badRequest = (message: string) => new AppError("BAD_REQUEST", message);
