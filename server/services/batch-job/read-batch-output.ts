import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import type { RowPredictions } from "@/server/domain/batch/prediction-columns";

/**
 * Each output row's predictions, streamed from a job's assembled output: CSV columns `name` or
 * `name_k` of the given outputs (the input's own columns are skipped), or JSONL keys. A row the
 * model did not score has empty values.
 */
export async function* readOutputPredictions(
  filePath: string,
  format: "csv" | "jsonl",
  outputNames: string[],
): AsyncGenerator<RowPredictions> {
  if (format === "jsonl") {
    const lines = createInterface({ input: createReadStream(filePath), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === "") continue;
      const object = JSON.parse(line) as Record<string, RowPredictions[string]>;
      yield Object.fromEntries(outputNames.map((name) => [name, object[name] ?? ""]));
    }
    return;
  }
  const parser = createReadStream(filePath).pipe(parse({ skip_empty_lines: true }));
  let picks: { name: string; indices: number[] }[] | null = null;
  for await (const record of parser as AsyncIterable<string[]>) {
    if (picks === null) {
      picks = outputNames.map((name) => {
        const single = record.lastIndexOf(name);
        if (single >= 0) return { name, indices: [single] };
        const indices = record.flatMap((column, index) => (column.startsWith(`${name}_`) ? [index] : []));
        return { name, indices };
      });
      continue;
    }
    const row: RowPredictions = {};
    for (const { name, indices } of picks)
      row[name] = indices.length === 1 ? record[indices[0]!]! : indices.map((index) => record[index]!);
    yield row;
  }
}
