import path from "node:path";
import { z } from "zod";

/**
 * Batch scoring: a BullMQ flow per job (FlowProducer): one child per chunk on the chunk queue,
 * and a parent on the finalize queue that runs once every child has finished (succeeded or
 * failed: the children are added with ignoreDependencyOnFailure) and assembles the output.
 * Producer: the console (server/services/batch-job/queue-batch-flow.ts). Consumer: workers with
 * the "batch" role (workers/batch/batch-worker.ts). Both read and write the job's rows in
 * Postgres and its files under the shared batch store (batchStorePath). Payloads carry
 * schemaVersion; a field added later is optional, so queued jobs survive a deploy.
 *
 * Batch has queues of its own, never the serving queues: a serving worker never takes a chunk,
 * and a queue of a million rows never sits in front of an online request.
 */
export const BATCH_CHUNK_QUEUE_NAME = "batch-chunk";
export const BATCH_FINALIZE_QUEUE_NAME = "batch-finalize";

export const BATCH_JOB_SCHEMA_VERSION = 1;

export const ZBatchChunkJob = z.object({
  schemaVersion: z.literal(BATCH_JOB_SCHEMA_VERSION).default(BATCH_JOB_SCHEMA_VERSION),
  batchJobId: z.string().min(1),
  chunkIndex: z.number().int().nonnegative(),
  /** Set by the worker when the chunk first waited for its model's artifact (the console away). */
  artifactWaitSinceMs: z.number().optional(),
});
export type BatchChunkJob = z.infer<typeof ZBatchChunkJob>;

export const ZBatchFinalizeJob = z.object({
  schemaVersion: z.literal(BATCH_JOB_SCHEMA_VERSION).default(BATCH_JOB_SCHEMA_VERSION),
  batchJobId: z.string().min(1),
  /** 0 for the first run, +1 per retry of failed chunks: each round is a flow of its own. */
  round: z.number().int().nonnegative(),
});
export type BatchFinalizeJob = z.infer<typeof ZBatchFinalizeJob>;

/** BullMQ job ids: queueing the same round twice runs it once. */
export function batchChunkJobId(batchJobId: string, chunkIndex: number, round: number): string {
  return `${batchJobId}-r${round}-c${chunkIndex}`;
}
export function batchFinalizeJobId(batchJobId: string, round: number): string {
  return `${batchJobId}-r${round}-final`;
}

/**
 * A chunk is retried when its worker dies (stalled-job recovery) or throws; its output file is
 * written whole under its key, so a retry rewrites the same bytes and nothing is counted twice.
 * Outcomes live in Postgres: finished jobs leave Redis at once.
 */
export const BATCH_CHUNK_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { age: 86_400, count: 10_000 },
  ignoreDependencyOnFailure: true,
} as const;
export const BATCH_FINALIZE_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { age: 86_400, count: 1_000 },
} as const;

/**
 * Keys of a job's files in the batch store, relative to its root: one output and one errors file
 * per chunk (job id + chunk index), then the assembled output and errors of the whole job.
 */
export const batchKeys = {
  chunkOutput: (batchJobId: string, chunkIndex: number) =>
    `batch/${batchJobId}/chunks/${String(chunkIndex).padStart(6, "0")}.out`,
  chunkErrors: (batchJobId: string, chunkIndex: number) =>
    `batch/${batchJobId}/chunks/${String(chunkIndex).padStart(6, "0")}.errors.jsonl`,
  output: (batchJobId: string, format: "csv" | "jsonl" | "parquet") => `batch/${batchJobId}/output.${format}`,
  errors: (batchJobId: string) => `batch/${batchJobId}/errors.jsonl`,
};

/**
 * The batch store is a directory the console and every batch worker see (a shared volume or a
 * mounted bucket): ARTIFACT_DIR, where the job's input already is as a content-addressed artifact.
 */
export function batchStorePath(artifactDir: string, key: string): string {
  return path.resolve(artifactDir, key);
}

/** One line of an errors file. */
export const ZBatchRowError = z.object({
  /** 1-based line of the input file (CSV, JSONL), or row number (Parquet). */
  line: z.number().int().positive(),
  reason: z.string(),
});
export type BatchRowError = z.infer<typeof ZBatchRowError>;

/**
 * Async inference tasks (the gateway's `prefer: respond-async`): the task's state under this key,
 * REDIS_KEY_PREFIX added by the connection. Producer and consumer: the gateway.
 */
export function asyncTaskKey(taskId: string): string {
  return `async-task:${taskId}`;
}

/**
 * The team whose request made the task: only that team reads it. Optional so tasks saved before
 * it existed stay readable until their TTL ends.
 */
const ZAsyncTaskTeam = { teamId: z.string().min(1).optional() };

export const ZAsyncTaskState = z.discriminatedUnion("status", [
  z.object({ status: z.literal("pending"), createdAtMs: z.number(), ...ZAsyncTaskTeam }),
  z.object({
    status: z.literal("done"),
    createdAtMs: z.number(),
    ...ZAsyncTaskTeam,
    finishedAtMs: z.number(),
    /** The status, headers and body the synchronous call answered. */
    statusCode: z.number().int(),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
    /**
     * "base64" for an answer in the binary tensor data extension's form, whose bytes are not
     * text; absent for a JSON answer (and on tasks saved before the field existed).
     */
    bodyEncoding: z.literal("base64").optional(),
  }),
]);
export type AsyncTaskState = z.infer<typeof ZAsyncTaskState>;
