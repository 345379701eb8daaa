import { z } from "zod";

/**
 * The evaluation queue: one job per Evaluation row, run on a golden set by a worker with the
 * "evaluation" role. Producer: the console (server/services/evaluation/start-evaluation.ts).
 * Consumer: workers/evaluation/evaluation-worker.ts, which reads the rest from Postgres and
 * writes the outcome there. Payloads carry schemaVersion; a field added later is optional, so
 * jobs already queued by an older console still parse in a newer worker.
 */
export const EVALUATION_QUEUE_NAME = "evaluation";

export const EVALUATION_JOB_SCHEMA_VERSION = 1;

export const ZEvaluationJob = z.object({
  schemaVersion: z.literal(EVALUATION_JOB_SCHEMA_VERSION).default(EVALUATION_JOB_SCHEMA_VERSION),
  /** The Evaluation row: the job id too, so queueing one twice runs it once. */
  evaluationId: z.string().min(1),
});
export type EvaluationJob = z.infer<typeof ZEvaluationJob>;

/**
 * A worker that dies mid-run leaves the job stalled: it runs again (the processor starts the
 * row over). Finished jobs are removed at once since the outcome lives in Postgres; failed ones
 * are kept a while for inspection, bounded.
 */
export const EVALUATION_JOB_OPTIONS = {
  attempts: 2,
  backoff: { type: "exponential", delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: { age: 86_400, count: 1_000 },
} as const;
