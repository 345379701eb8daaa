import type { BatchOutputFormat } from "@/server/domain/batch/batch-spec";
import type { ChunkBatch, PassThrough } from "@/server/domain/batch/chunk-batch";
import {
  type CellSink,
  csvField,
  csvLine,
  predictionCells,
  predictionValues,
  type RowPredictions,
  type RunPredictions,
} from "@/server/domain/batch/prediction-columns";

/**
 * One output line: the input row as it was, then its predictions (CSV: one column per value;
 * JSONL: one key per output). A row the model could not score keeps its place in the output,
 * with empty prediction cells (CSV) or an `_error` key (JSONL): the output has every input row,
 * in order, and the errors file says why. Parquet: a chunk writes only its predictions, a JSON
 * array per row (null when refused); the job's assembly adds them to the input's own columns.
 */
export function outputLine(
  format: BatchOutputFormat,
  columns: string[],
  input: PassThrough,
  outcome: { predictions: RowPredictions } | { error: string; predictionColumnCount: number },
): string {
  if (format === "parquet")
    return `${JSON.stringify("predictions" in outcome ? predictionValues(outcome.predictions) : null)}\n`;
  if (format === "csv") {
    // The common case, copied: a plain input line and its predictions.
    if ("text" in input && input.text !== undefined && "predictions" in outcome)
      return `${input.text},${predictionCells(outcome.predictions).map(csvField).join(",")}\n`;
    // A ragged row is cut or padded to the header: the output stays a table.
    const given =
      "cells" in input ? input.cells : "object" in input ? columns.map((c) => textOf(input.object[c])) : [];
    const cells = columns.map((_, index) => given[index] ?? "");
    const predicted =
      "predictions" in outcome
        ? predictionCells(outcome.predictions)
        : new Array<string>(outcome.predictionColumnCount).fill("");
    return csvLine([...cells, ...predicted]);
  }
  const object =
    "object" in input
      ? input.object
      : "cells" in input
        ? Object.fromEntries(columns.map((column, index) => [column, input.cells[index]]))
        : { _raw: input.raw };
  return `${JSON.stringify("predictions" in outcome ? { ...object, ...outcome.predictions } : { ...object, _error: outcome.error })}\n`;
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** What the runs gave a batch's scorable rows: one run for all of them, or a run (or its error) per row. */
export type BatchPredictions = { whole: RunPredictions } | { alone: (RunPredictions | string)[] };

/**
 * A batch's output lines (as bytes) and errors file lines, in row order. A CSV line kept as bytes
 * is copied as it is, its prediction cells after it; any other row goes through outputLine.
 */
export function batchOutput(
  format: BatchOutputFormat,
  columns: string[],
  predictionColumnCount: number,
  batch: ChunkBatch,
  predictions: BatchPredictions,
): { output: Uint8Array; errors: string; failed: number } {
  // Sized for the whole batch, so it seldom grows (each growth is a copy, and garbage outside the heap).
  let estimate = 0;
  for (let row = 0; row < batch.length; row++)
    estimate += batch.ends[row]! - batch.starts[row]! + 2 + predictionColumnCount * 24;
  const out = new GrowingBytes(estimate);
  let errors = "";
  let failed = 0;
  for (let row = 0; row < batch.length; row++) {
    const slot = batch.slots[row]!;
    let run: RunPredictions | null = null;
    let runRow = 0;
    let error = slot < 0 ? batch.reasons.get(row)! : "";
    if (slot < 0) {
      // refused by the reader: `error` has its reason
    } else if ("whole" in predictions) {
      run = predictions.whole;
      runRow = slot;
    } else {
      const own = predictions.alone[slot]!;
      if (typeof own === "string") error = own;
      else run = own;
    }
    const buffer = batch.buffers[row];
    if (!run) {
      failed++;
      errors += `${JSON.stringify({ line: batch.lines[row], reason: error })}\n`;
      out.line(outputLine(format, columns, batch.passThroughOf(row), { error, predictionColumnCount }));
    } else if (format === "csv" && buffer) {
      out.bytes(buffer, batch.starts[row]!, batch.ends[row]!);
      out.byte(COMMA);
      run.writeCsvCells(runRow, out);
      out.byte(LF);
    } else
      out.line(
        outputLine(format, columns, batch.passThroughOf(row), { predictions: run.predictions(runRow) }),
      );
  }
  return { output: out.done(), errors, failed };
}

const COMMA = 0x2c;
const LF = 0x0a;

/** An output buffer that doubles when full; short pieces are copied in a loop (cheaper than a call per piece). */
class GrowingBytes implements CellSink {
  private buffer: Buffer;
  private at = 0;

  constructor(bytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(bytes, 1024));
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.at++] = value;
  }

  bytes(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.reserve(length);
    if (length > 64) this.buffer.set(source.subarray(start, end), this.at);
    else for (let i = start; i < end; i++) this.buffer[this.at + i - start] = source[i]!;
    this.at += length;
  }

  line(text: string): void {
    this.text(text, 0, text.length);
  }

  /** text[start, end) as UTF-8. */
  text(text: string, start: number, end: number): void {
    this.reserve((end - start) * 3);
    const buffer = this.buffer;
    let at = this.at;
    for (let k = start; k < end; k++) {
      const code = text.charCodeAt(k);
      if (code >= 0x80) {
        this.at += buffer.write(text.slice(start, end), this.at, "utf8");
        return;
      }
      buffer[at++] = code;
    }
    this.at = at;
  }

  done(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    grown.set(this.buffer.subarray(0, this.at));
    this.buffer = grown;
  }
}
