import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import type { RowPredictions } from "@/server/domain/batch/prediction-columns";

/**
 * Each output row's predictions, streamed from a job's assembled output: CSV columns `name` or
 * `name_k` of the given outputs (the input's own columns are skipped), JSONL keys, or Parquet
 * columns named as in CSV, a row group's worth at a time. A row the model did not score has empty
 * values.
 */
export async function* readOutputPredictions(
  filePath: string,
  format: "csv" | "jsonl" | "parquet",
  outputNames: string[],
): AsyncGenerator<RowPredictions> {
  if (format === "parquet") {
    yield* parquetPredictions(filePath, outputNames);
    return;
  }
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

const PARQUET_SLICE_ROWS = 8192;

async function* parquetPredictions(filePath: string, outputNames: string[]): AsyncGenerator<RowPredictions> {
  const file = await asyncBufferFromFile(filePath);
  const metadata = await parquetMetadataAsync(file);
  const columns = metadata.schema.slice(1).map((leaf) => leaf.name);
  const picks = outputNames.map((name) => ({
    name,
    columns: columns.includes(name) ? [name] : columns.filter((column) => column.startsWith(`${name}_`)),
  }));
  const value = (cell: unknown) =>
    cell === null || cell === undefined ? "" : typeof cell === "bigint" ? Number(cell) : (cell as string);
  const rows = Number(metadata.num_rows);
  for (let rowStart = 0; rowStart < rows; rowStart += PARQUET_SLICE_ROWS) {
    const rowEnd = Math.min(rows, rowStart + PARQUET_SLICE_ROWS);
    const wanted = picks.flatMap((pick) => pick.columns);
    for (const record of await parquetReadObjects({ file, metadata, rowStart, rowEnd, columns: wanted })) {
      const row: RowPredictions = {};
      for (const pick of picks)
        row[pick.name] =
          pick.columns.length === 1
            ? value(record[pick.columns[0]!])
            : pick.columns.map((column) => value(record[column]));
      yield row;
    }
  }
}
