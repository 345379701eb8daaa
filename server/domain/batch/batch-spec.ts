import { z } from "zod";

/** What a batch job reads: a table with a header (CSV), one JSON object per line, or Parquet. */
export const BATCH_INPUT_FORMATS = ["csv", "jsonl", "parquet"] as const;
export const ZBatchInputFormat = z.enum(BATCH_INPUT_FORMATS);
export type BatchInputFormat = z.infer<typeof ZBatchInputFormat>;

/**
 * What a batch job writes: the input's rows with the prediction columns appended, by default in
 * the input's format. Parquet output takes its columns (and their types) from a Parquet input, so
 * only a Parquet input can have it; any input can have CSV or JSONL.
 */
export const BATCH_OUTPUT_FORMATS = ["csv", "jsonl", "parquet"] as const;
export const ZBatchOutputFormat = z.enum(BATCH_OUTPUT_FORMATS);
export type BatchOutputFormat = z.infer<typeof ZBatchOutputFormat>;

/** The requested output format, else the input's; a reason when the pair cannot be written. */
export function outputFormatFor(
  input: BatchInputFormat,
  requested: BatchOutputFormat | undefined,
): { ok: true; format: BatchOutputFormat } | { ok: false; reason: string } {
  const format = requested ?? input;
  if (format === "parquet" && input !== "parquet")
    return {
      ok: false,
      reason: `Parquet output needs a Parquet input; this input is ${input.toUpperCase()}`,
    };
  return { ok: true, format };
}

/**
 * Model input name -> the file's columns that fill it, in the input's order (one 2-D input of
 * [batch, k] takes k columns). Absent: the linked feature set's features, or every column.
 */
export const ZColumnMapping = z.record(z.string().min(1), z.array(z.string().min(1)).min(1));
export type ColumnMapping = z.infer<typeof ZColumnMapping>;

/**
 * Rows per chunk: the unit of retry and of progress. 10,000 rows of a tabular model is a second
 * or less of work, so a killed worker redoes little and progress moves often.
 */
export const DEFAULT_CHUNK_ROWS = 10_000;
export const MAX_CHUNK_ROWS = 1_000_000;
export const ZChunkRows = z.number().int().min(1).max(MAX_CHUNK_ROWS);

/** Chunks of one job at most: one BullMQ child and one status row each. */
export const MAX_CHUNKS = 10_000;

/** A job fails when more than this share of its rows could not be scored. */
export const DEFAULT_MAX_ERROR_SHARE = 0.01;
export const ZMaxErrorShare = z.number().min(0).max(1);

export function errorShareExceeded(failedRows: number, totalRows: number, maxErrorShare: number): boolean {
  return totalRows > 0 && failedRows / totalRows > maxErrorShare;
}

export const BATCH_JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export const ZBatchJobStatus = z.enum(BATCH_JOB_STATUSES);
export type BatchJobStatus = z.infer<typeof ZBatchJobStatus>;

export const BATCH_CHUNK_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export const ZBatchChunkStatus = z.enum(BATCH_CHUNK_STATUSES);
export type BatchChunkStatus = z.infer<typeof ZBatchChunkStatus>;

/** Rows of one session run when the model does not say otherwise (its batch dimension is dynamic). */
export const DEFAULT_BATCH_ROWS = 1024;
