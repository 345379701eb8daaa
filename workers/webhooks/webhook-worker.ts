import { Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import {
  WEBHOOK_ATTEMPT_JOB_OPTIONS,
  WEBHOOK_JOB_NAMES,
  WEBHOOK_JOB_SCHEMA_VERSION,
  WEBHOOK_QUEUE_NAME,
  webhookAttemptJobId,
  ZWebhookDeliveryJob,
} from "@/server/contracts/webhook-delivery";
import { maxAttempts } from "@/server/domain/webhooks/retry-schedule";
import { formatZodIssues } from "@/server/domain/zod-message";
import { getLogger, type Logger } from "@/server/logger";
import { deliverAttempt, type AttemptResult } from "@/workers/webhooks/deliver-attempt";
import { sweepDeliveries, type SweepReport } from "@/workers/webhooks/sweep-deliveries";

const SWEEP_SCHEDULER_ID = "webhook-sweep";

export interface WebhookWorkerOptions {
  redisUrl: string;
  keyPrefix: string;
  /** Attempts in flight at once: each waits on a receiver, so many fit one process. */
  concurrency: number;
  timeoutMs: number;
  retryDelaysMs: readonly number[];
  sweepIntervalMs: number;
  log?: Logger;
}

/**
 * The "webhooks" role: sends deliveries, one attempt per job, and sweeps every
 * `sweepIntervalMs` (a BullMQ job scheduler, one schedule however many workers run) for
 * pending deliveries whose job was lost.
 */
export async function startWebhookWorker(options: WebhookWorkerOptions) {
  const log = options.log ?? getLogger().child({ component: "webhooks" });
  const prefix = bullPrefix(options.keyPrefix);
  // Consumer profile: started while Redis is down it waits, and so do retries queued meanwhile.
  const queueConnection = connectRedis("consumer", options.redisUrl);
  const queue = new Queue(WEBHOOK_QUEUE_NAME, { connection: queueConnection, prefix });
  logRedisErrors(queue, { component: "webhooks", queue: WEBHOOK_QUEUE_NAME });
  await queue.upsertJobScheduler(
    SWEEP_SCHEDULER_ID,
    { every: options.sweepIntervalMs },
    { name: WEBHOOK_JOB_NAMES.sweep, opts: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 } },
  );
  const queueAttempt = async (deliveryId: string, attempt: number, delayMs = 0) => {
    await queue.add(
      WEBHOOK_JOB_NAMES.attempt,
      { schemaVersion: WEBHOOK_JOB_SCHEMA_VERSION, deliveryId, attempt },
      { ...WEBHOOK_ATTEMPT_JOB_OPTIONS, jobId: webhookAttemptJobId(deliveryId, attempt), delay: delayMs },
    );
  };
  const attemptSettings = {
    timeoutMs: options.timeoutMs,
    retryDelaysMs: options.retryDelaysMs,
    queueRetry: queueAttempt,
  };

  const processor = async (job: Job<unknown>): Promise<AttemptResult | SweepReport> => {
    if (job.name === WEBHOOK_JOB_NAMES.sweep)
      return sweepDeliveries({ maxAttempts: maxAttempts(options.retryDelaysMs), queueAttempt });
    const parsed = ZWebhookDeliveryJob.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid webhook job: ${formatZodIssues(parsed.error, "job")}`);
    return deliverAttempt(parsed.data, attemptSettings);
  };

  const connection = connectRedis("consumer", options.redisUrl);
  const worker = new Worker(WEBHOOK_QUEUE_NAME, processor, {
    connection,
    prefix,
    concurrency: options.concurrency,
    // An attempt lasts at most its timeout: the lock outlives it, so a slow receiver never
    // makes BullMQ think the worker died.
    lockDuration: Math.max(30_000, 2 * options.timeoutMs),
  });
  logRedisErrors(worker, { component: "webhooks", queue: WEBHOOK_QUEUE_NAME });
  worker.on("failed", (job, error) =>
    log.warn(
      { jobId: job?.id, job: job?.name, err: error },
      "webhook job failed; the sweep queues its delivery again",
    ),
  );
  worker.on("completed", (job, result) => {
    if (job.name === WEBHOOK_JOB_NAMES.sweep) {
      const report = result as SweepReport;
      if (report.requeued > 0 || report.failed > 0) log.info(report, "webhook sweep found lost deliveries");
    } else log.debug({ jobId: job.id, result }, "webhook attempt done");
  });
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await queue.close();
      for (const redis of [connection, queueConnection]) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
