import {
  csvField,
  csvLine,
  predictionCells,
  predictionValues,
  type RowPredictions,
} from "@/server/domain/batch/prediction-columns";
import type { BatchOutputFormat } from "@/server/domain/batch/batch-spec";
import type { PassThrough } from "@/server/services/batch-job/batch-input-file";

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
