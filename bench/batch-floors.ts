import { rm } from "node:fs/promises";
import path from "node:path";
import type * as ort from "onnxruntime-node";
import type { ChunkBounds } from "@/server/domain/batch/chunk-plan";
import type { MappedInput } from "@/server/domain/batch/input-plan";
import { RunPredictions } from "@/server/domain/batch/prediction-columns";
import { readChunkBatches } from "@/server/services/batch-job/batch-input-file";
import { AtomicFile } from "@/workers/batch/chunk-files";
import { batchOutput } from "@/workers/batch/output-lines";
import { ortToWire, packWireTensor, toOrtTensor } from "@/workers/runtime/tensor-convert";

/** What every CSV job on this machine pays per row, before any queue, database or thread hop. */
export interface CsvFloors {
  /** Rows the passes went through (the first chunks of the job, up to the bench's limit). */
  rows: number;
  /** Reading the chunk's bytes and parsing them into the batch's input arrays, no model. */
  parseUsPerRow: number;
  /** Formatting the output lines of real predictions and writing them to a chunk file. */
  formatWriteUsPerRow: number;
}

export interface CsvFloorsOptions {
  csvPath: string;
  /** The job's own chunks (from its rows in Postgres), in order: the worker's bounds. */
  chunks: ChunkBounds[];
  columns: string[];
  plan: MappedInput[];
  batchRows: number;
  session: ort.InferenceSession;
  /** The signature's output names, in its order: the worker's runs ask for these. */
  outputNames: string[];
  predictionColumnCount: number;
  /** Where the format pass writes its chunk files (removed after each chunk). */
  outputDir: string;
  /** Chunks are taken until they hold this many rows: the heavy model's runs take minutes. */
  maxRows: number;
}

/**
 * The floors of a CSV job, measured with the job's own code on its own file and chunks: a pass
 * of readChunkBatches with no model (parse), then a pass that also runs the session once per
 * batch, as the worker does, but times only batchOutput and the chunk file's writes and commit
 * (format + write). The session's own cost is raw session.run, measured by the caller.
 */
export async function measureCsvFloors(options: CsvFloorsOptions): Promise<CsvFloors> {
  const chunks = firstChunks(options.chunks, options.maxRows);
  const rows = chunks.reduce((sum, chunk) => sum + chunk.rowCount, 0);
  const parseMs = await timeParse(options, chunks);
  const formatWriteMs = await timeFormatWrite(options, chunks);
  return { rows, parseUsPerRow: (parseMs * 1000) / rows, formatWriteUsPerRow: (formatWriteMs * 1000) / rows };
}

function firstChunks(chunks: ChunkBounds[], maxRows: number): ChunkBounds[] {
  const taken: ChunkBounds[] = [];
  let rows = 0;
  for (const chunk of chunks) {
    if (rows >= maxRows) break;
    taken.push(chunk);
    rows += chunk.rowCount;
  }
  return taken;
}

function batchesOf(options: CsvFloorsOptions, chunk: ChunkBounds) {
  return readChunkBatches(options.csvPath, "csv", chunk, options.columns, options.plan, options.batchRows);
}

async function timeParse(options: CsvFloorsOptions, chunks: ChunkBounds[]): Promise<number> {
  const started = performance.now();
  for (const chunk of chunks) for await (const batch of batchesOf(options, chunk)) batch.release();
  return performance.now() - started;
}

async function timeFormatWrite(options: CsvFloorsOptions, chunks: ChunkBounds[]): Promise<number> {
  const { plan, session, outputNames, columns, predictionColumnCount } = options;
  let timedMs = 0;
  for (const chunk of chunks) {
    const target = path.join(options.outputDir, `floor-chunk-${chunk.index}.csv`);
    const output = await AtomicFile.open(target);
    for await (const batch of batchesOf(options, chunk)) {
      // The run as the session thread makes it: the batch's arrays packed, the outputs as wire tensors.
      const feeds = Object.fromEntries(
        plan.map((input, i) => [
          input.name,
          toOrtTensor(
            packWireTensor({
              name: input.name,
              datatype: input.datatype,
              shape: [batch.scorable, input.columns.length],
              data: batch.dataOf(i),
            }),
          ),
        ]),
      );
      const produced = await session.run(feeds, outputNames);
      const predictions = new RunPredictions(
        outputNames.map((name) => ortToWire(name, produced[name]!)),
        batch.scorable,
      );
      const started = performance.now();
      const lines = batchOutput("csv", columns, predictionColumnCount, batch, { whole: predictions });
      batch.release();
      await output.write(lines.output);
      timedMs += performance.now() - started;
    }
    const started = performance.now();
    await output.commit();
    timedMs += performance.now() - started;
    await rm(target, { force: true });
  }
  return timedMs;
}
