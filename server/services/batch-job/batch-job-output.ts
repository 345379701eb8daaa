import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import {
  ZBatchChunkStatus,
  ZBatchInputFormat,
  ZBatchJobStatus,
  ZBatchOutputFormat,
} from "@/server/domain/batch/batch-spec";
import { progressOf } from "@/server/domain/batch/progress";

export const ZBatchComparison = z.object({
  sourceJobId: z.string(),
  rows: z.number().int().nonnegative(),
  changedLabelShare: z.number().nullable(),
  meanAbsScoreDelta: z.number().nullable(),
});
export type BatchComparison = z.infer<typeof ZBatchComparison>;

export const ZBatchChunkOutput = z.object({
  index: z.number().int(),
  status: ZBatchChunkStatus,
  rowStart: z.number().int(),
  rowCount: z.number().int(),
  processedRows: z.number().int(),
  failedRows: z.number().int(),
  attempts: z.number().int(),
  error: z.string().nullable(),
  hostName: z.string().nullable(),
});

export const ZBatchJobOutput = z.object({
  id: z.string(),
  status: ZBatchJobStatus,
  modelName: z.string(),
  versionNumber: z.number().int(),
  deploymentName: z.string().nullable(),
  inputFileName: z.string(),
  inputFormat: ZBatchInputFormat,
  outputFormat: ZBatchOutputFormat,
  mapping: z.record(z.string(), z.array(z.string())),
  chunkRows: z.number().int(),
  batchRows: z.number().int(),
  maxErrorShare: z.number(),
  totalRows: z.number().int(),
  chunkCount: z.number().int(),
  /** Rows scored (or refused into the errors file) so far, running chunks included. */
  doneRows: z.number().int(),
  failedRows: z.number().int(),
  progress: z.object({
    share: z.number(),
    rowsPerSecond: z.number().nullable(),
    etaSeconds: z.number().nullable(),
  }),
  error: z.string().nullable(),
  cancelRequested: z.boolean(),
  sourceJobId: z.string().nullable(),
  comparison: ZBatchComparison.nullable(),
  hasOutput: z.boolean(),
  createdBy: z.string(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  chunks: z.array(ZBatchChunkOutput).optional(),
});
export type BatchJobOutput = z.infer<typeof ZBatchJobOutput>;

const JOB_INCLUDE = {
  modelVersion: { select: { number: true, model: { select: { name: true } } } },
  deployment: { select: { name: true } },
} as const satisfies Prisma.BatchJobInclude;

/** A list's jobs: their rows done come summed from the chunks (see chunkSums), not chunk by chunk. */
export const BATCH_JOB_SUMMARY_INCLUDE = JOB_INCLUDE;

export const BATCH_JOB_OUTPUT_INCLUDE = {
  ...JOB_INCLUDE,
  chunks: {
    select: {
      index: true,
      status: true,
      rowStart: true,
      rowCount: true,
      processedRows: true,
      failedRows: true,
      attempts: true,
      error: true,
      hostName: true,
    },
    orderBy: { index: "asc" },
  },
} as const satisfies Prisma.BatchJobInclude;

type Summary = Prisma.BatchJobGetPayload<{ include: typeof JOB_INCLUDE }>;
type Row = Prisma.BatchJobGetPayload<{ include: typeof BATCH_JOB_OUTPUT_INCLUDE }>;
export type ChunkSums = { doneRows: number; failedRows: number };

export function batchJobOutputOf(job: Row): BatchJobOutput {
  const sums = {
    doneRows: job.chunks.reduce((sum, chunk) => sum + chunk.processedRows, 0),
    failedRows: job.chunks.reduce((sum, chunk) => sum + chunk.failedRows, 0),
  };
  return { ...batchJobSummaryOf(job, sums), chunks: job.chunks };
}

/** A job without its chunk list, its rows summed by the caller (one query for a whole list). */
export function batchJobSummaryOf(job: Summary, { doneRows, failedRows }: ChunkSums): BatchJobOutput {
  const comparison = ZBatchComparison.safeParse(job.comparison);
  return {
    id: job.id,
    status: job.status,
    modelName: job.modelVersion.model.name,
    versionNumber: job.modelVersion.number,
    deploymentName: job.deployment?.name ?? null,
    inputFileName: job.inputFileName,
    inputFormat: job.inputFormat,
    outputFormat: job.outputFormat,
    mapping: job.mapping as Record<string, string[]>,
    chunkRows: job.chunkRows,
    batchRows: job.batchRows,
    maxErrorShare: job.maxErrorShare,
    totalRows: job.totalRows,
    chunkCount: job.chunkCount,
    doneRows,
    failedRows,
    progress: progressOf({
      totalRows: job.totalRows,
      doneRows,
      startedAtMs: job.startedAt?.getTime() ?? null,
      untilMs: (job.finishedAt ?? new Date()).getTime(),
    }),
    error: job.error,
    cancelRequested: job.cancelRequestedAt !== null,
    sourceJobId: job.sourceJobId,
    comparison: comparison.success ? comparison.data : null,
    hasOutput: job.outputKey !== null,
    createdBy: job.createdBy,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}
