import type { WireTensor } from "@/server/domain/inference/datatypes";
import { AppError } from "@/server/domain/app-error";
import { formatShape, type ElementType, type Signature } from "@/server/domain/signature";

/** One model output as the output file's columns: `name` when it has one value per row, else name_0.. */
export interface PredictionOutput {
  name: string;
  /** Scores (floats) compare by |Δ|; labels (integers, booleans, strings) by changed or not. */
  kind: "score" | "label";
}

const FLOAT: readonly ElementType[] = ["float16", "float32", "float64"];

export function predictionOutputs(signature: Signature): PredictionOutput[] {
  return signature.outputs.map((output) => ({
    name: output.name,
    kind: FLOAT.includes(output.elementType) ? "score" : "label",
  }));
}

/** A row's predictions: per output, its one value or its list of values. */
export type RowPredictions = Record<string, number | string | boolean | (number | string | boolean)[]>;

/** Splits the outputs of one session run of `rows` rows into each row's predictions. */
export function splitPredictions(outputs: WireTensor[], rows: number): RowPredictions[] {
  const run = new RunPredictions(outputs, rows);
  return Array.from({ length: rows }, (_, row) => run.predictions(row));
}

/** Where a row's CSV cells go: each piece is text[start, end), so a range of a longer text is copied, not sliced. */
export interface CellSink {
  text(text: string, start: number, end: number): void;
}

/**
 * One output's values as one JSON.stringify writes them, and where value k starts in that text
 * (starts[k]; value k ends at starts[k + 1] - 1, its comma or the closing bracket).
 */
interface JsonCells {
  text: string;
  starts: Int32Array;
}

interface OrderedOutput {
  output: WireTensor;
  width: number;
  /** Made on the first CSV row: null when the values must each go through String() or csvField. */
  json?: JsonCells | null;
}

/**
 * One session run's outputs read row by row, without an object per row for the CSV cells (a
 * batch job's common case): the same values, in the same order, as splitPredictions then
 * predictionCells or predictionValues give.
 */
export class RunPredictions {
  /** The outputs in the order a row's predictions object lists its keys (the columns' order). */
  private readonly ordered: OrderedOutput[];

  constructor(
    private readonly outputs: WireTensor[],
    private readonly rows: number,
  ) {
    const byName = new Map<string, WireTensor>();
    const keys: Record<string, true> = {};
    for (const output of outputs) {
      byName.set(output.name, output);
      keys[output.name] = true;
    }
    this.ordered = Object.keys(keys).map((name) => {
      const output = byName.get(name)!;
      return { output, width: rows === 0 ? 0 : output.data.length / rows };
    });
  }

  predictions(row: number): RowPredictions {
    const predictions: RowPredictions = {};
    for (const output of this.outputs) {
      const width = this.rows === 0 ? 0 : output.data.length / this.rows;
      const values = output.data.slice(row * width, (row + 1) * width) as (number | string | boolean)[];
      predictions[output.name] = width === 1 ? values[0]! : values;
    }
    return predictions;
  }

  /**
   * The row's prediction cells, as predictionCells(...).map(csvField).join(",") gives them. An
   * output of finite numbers or booleans is formatted once per run by JSON.stringify, whose
   * text for each is String()'s (the spec's ToString), at about half the cost of a String() per
   * value (no string, no number-to-string cache entry per value); the row's values are adjacent
   * in it, so they are one copy.
   */
  writeCsvCells(row: number, sink: CellSink): void {
    let first = true;
    for (const entry of this.ordered) {
      const { output, width } = entry;
      if (entry.json === undefined) entry.json = jsonCells(output.data, width);
      const json = entry.json;
      if (json && width > 0) {
        if (!first) sink.text(",", 0, 1);
        sink.text(json.text, json.starts[row * width]!, json.starts[(row + 1) * width]! - 1);
        first = false;
        continue;
      }
      const data = output.data;
      const end = Math.trunc((row + 1) * width);
      for (let at = Math.trunc(row * width); at < end; at++) {
        const value = data[at]!;
        const cell = typeof value === "string" ? csvField(value) : String(value);
        if (!first) sink.text(",", 0, 1);
        sink.text(cell, 0, cell.length);
        first = false;
      }
    }
  }

  values(row: number): (number | string | boolean)[] {
    return predictionValues(this.predictions(row));
  }
}

/** The JSON text of an output's values, or null when some value's JSON is not its String() (a string, NaN, ±Infinity). */
function jsonCells(data: WireTensor["data"], width: number): JsonCells | null {
  if (!Number.isInteger(width)) return null;
  for (let k = 0; k < data.length; k++) {
    const value = data[k]!;
    if (typeof value === "string" || (typeof value === "number" && !Number.isFinite(value))) return null;
  }
  const text = JSON.stringify(data);
  const starts = new Int32Array(data.length + 1);
  // Numbers and booleans hold no comma: each comma ends a value.
  let at = 1;
  for (let k = 0; k < data.length; k++) {
    starts[k] = at;
    at = text.indexOf(",", at) + 1;
  }
  starts[data.length] = text.length;
  return { text, starts };
}

/** CSV column names of the predictions, from the first row's widths (every row has the same). */
export function predictionHeader(sample: RowPredictions): string[] {
  return Object.entries(sample).flatMap(([name, value]) =>
    Array.isArray(value) ? value.map((_, k) => `${name}_${k}`) : [name],
  );
}

/** A row's prediction values, one per output column, in the columns' order (predictionColumnNames). */
export function predictionValues(predictions: RowPredictions): (number | string | boolean)[] {
  const values: (number | string | boolean)[] = [];
  // A loop, not Object.values().flat(): this runs once per output row.
  for (const name in predictions) {
    const value = predictions[name]!;
    if (Array.isArray(value)) for (const item of value) values.push(item);
    else values.push(value);
  }
  return values;
}

export function predictionCells(predictions: RowPredictions): string[] {
  return predictionValues(predictions).map(String);
}

/** RFC 4180 quoting, only where a value needs it. */
export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(cells: string[]): string {
  return `${cells.map(csvField).join(",")}\n`;
}

/**
 * The CSV columns the outputs add, from the signature: an output of [batch] or [batch, k] (k
 * fixed). Known before any row runs, so every chunk writes the same columns and the header can be
 * written first; an output whose width only a run would tell cannot be a table column.
 */
export function predictionColumnNames(signature: Signature): string[] {
  return signature.outputs.flatMap((output) => {
    const inner = output.shape.slice(1);
    if (inner.length === 0) return [output.name];
    if (inner.length === 1 && typeof inner[0] === "number")
      return inner[0] === 1
        ? [output.name]
        : Array.from({ length: inner[0] }, (_, k) => `${output.name}_${k}`);
    throw new AppError(
      "BAD_REQUEST",
      `output '${output.name}' has shape ${formatShape(output.shape)}: a batch job writes outputs of [batch] or [batch, k] with k fixed`,
    );
  });
}
