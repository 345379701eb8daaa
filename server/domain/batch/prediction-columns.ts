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

/**
 * One session run's outputs read row by row, without an object per row for the CSV cells (a
 * batch job's common case): the same values, in the same order, as splitPredictions then
 * predictionCells or predictionValues give.
 */
export class RunPredictions {
  /** The outputs in the order a row's predictions object lists its keys (the columns' order). */
  private readonly ordered: { output: WireTensor; width: number }[];

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

  /** The row's prediction cells joined for a CSV line: predictionCells(...).map(csvField).join(","). */
  csvCells(row: number): string {
    let text = "";
    let first = true;
    for (const { output, width } of this.ordered) {
      const data = output.data;
      const end = Math.trunc((row + 1) * width);
      for (let at = Math.trunc(row * width); at < end; at++) {
        const value = data[at]!;
        const cell = typeof value === "string" ? csvField(value) : String(value);
        text = first ? cell : `${text},${cell}`;
        first = false;
      }
    }
    return text;
  }

  values(row: number): (number | string | boolean)[] {
    return predictionValues(this.predictions(row));
  }
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
