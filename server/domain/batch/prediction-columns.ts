import type { WireTensor } from "@/server/domain/inference/datatypes";
import type { ElementType, Signature } from "@/server/domain/signature";

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
  const predictions: RowPredictions[] = Array.from({ length: rows }, () => ({}));
  for (const output of outputs) {
    const width = rows === 0 ? 0 : output.data.length / rows;
    for (let row = 0; row < rows; row++) {
      const values = output.data.slice(row * width, (row + 1) * width) as (number | string | boolean)[];
      predictions[row]![output.name] = width === 1 ? values[0]! : values;
    }
  }
  return predictions;
}

/** CSV column names of the predictions, from the first row's widths (every row has the same). */
export function predictionHeader(sample: RowPredictions): string[] {
  return Object.entries(sample).flatMap(([name, value]) =>
    Array.isArray(value) ? value.map((_, k) => `${name}_${k}`) : [name],
  );
}

export function predictionCells(predictions: RowPredictions): string[] {
  return Object.values(predictions).flatMap((value) =>
    Array.isArray(value) ? value.map(String) : [String(value)],
  );
}

/** RFC 4180 quoting, only where a value needs it. */
export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvLine(cells: string[]): string {
  return `${cells.map(csvField).join(",")}\n`;
}
