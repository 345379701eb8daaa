import { z } from "zod";

/**
 * The webhook delivery queue. Producers: the console and the evaluation worker after a commit
 * that recorded deliveries (server/services/webhook/queue-webhook-deliveries.ts), and the
 * delivery worker itself for retries and its sweep. Consumer: workers/webhooks, the "webhooks"
 * role. A WebhookDelivery row is the truth (status, attempts, next attempt); a job only says
 * "make attempt n of this delivery now", so a lost job costs a sweep's delay, never a delivery,
 * and a duplicate job finds its attempt already made and does nothing.
 */
export const WEBHOOK_QUEUE_NAME = "webhook-delivery";

export const WEBHOOK_JOB_SCHEMA_VERSION = 1;

export const ZWebhookDeliveryJob = z.object({
  schemaVersion: z.literal(WEBHOOK_JOB_SCHEMA_VERSION).default(WEBHOOK_JOB_SCHEMA_VERSION),
  deliveryId: z.string().min(1),
  /** 1 for the first attempt: a job whose attempt was made already is dropped. */
  attempt: z.number().int().positive(),
});
export type WebhookDeliveryJob = z.infer<typeof ZWebhookDeliveryJob>;

/** Job names on the queue: one attempt, or the periodic sweep for deliveries whose job was lost. */
export const WEBHOOK_JOB_NAMES = { attempt: "attempt", sweep: "sweep" } as const;

/**
 * The job id names the attempt, so queueing the same attempt twice (after-commit and sweep)
 * runs it once. BullMQ refuses ':' in custom ids.
 */
export function webhookAttemptJobId(deliveryId: string, attempt: number): string {
  return `${deliveryId}-${attempt}`;
}

/**
 * One try per job: a failed POST is retried by a new job at the backoff the worker computes and
 * records on the row; a job that throws (Postgres down) is left to the sweep. Finished jobs are
 * removed, failed ones too: a kept job id would make the sweep's re-queue of it a no-op.
 */
export const WEBHOOK_ATTEMPT_JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: true,
  removeOnFail: true,
} as const;
