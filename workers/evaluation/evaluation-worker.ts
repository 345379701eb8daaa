import { Worker, UnrecoverableError, type Job } from "bullmq";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { EVALUATION_QUEUE_NAME, ZEvaluationJob } from "@/server/contracts/evaluation";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import { formatZodIssues } from "@/server/domain/zod-message";
import { getLogger, type Logger } from "@/server/logger";
import { ArtifactCache } from "@/workers/runtime/artifact-cache";
import { SessionCache } from "@/workers/runtime/session-cache";
import { closeWebhookQueue } from "@/server/services/webhook/queue-webhook-deliveries";
import { runEvaluation } from "@/workers/evaluation/run-evaluation";

export interface EvaluationWorkerOptions {
  redisUrl: string;
  /** REDIS_KEY_PREFIX: the queue lives under bullPrefix(keyPrefix). */
  keyPrefix: string;
  hostName: string;
  cacheDir: string;
  artifactSourceUrl: string;
  /** WORKER_TOKEN: lets this host read every team's artifacts where the console requires auth. */
  artifactToken?: string;
  /** For this role's own sessions, beside (not shared with) the serving role's. */
  memoryBudgetMb: number;
  log?: Logger;
}

/**
 * One evaluation at a time per process: a run is a few thousand rows merged into big session
 * runs, which would only compete with each other (and with serving) for the same cores.
 */
const EVALUATION_CONCURRENCY = 1;

export async function startEvaluationWorker(options: EvaluationWorkerOptions) {
  const log = options.log ?? getLogger().child({ component: "evaluation" });
  const artifacts = new ArtifactCache({
    cacheDir: options.cacheDir,
    sourceUrl: options.artifactSourceUrl,
    token: options.artifactToken,
  });
  const sessions = new SessionCache({
    artifacts,
    memoryBudgetMb: options.memoryBudgetMb,
    log: (line) => log.info(line),
  });
  const runtime = { artifacts, sessions, hostName: options.hostName, log };

  const processor = async (job: Job<unknown, void>) => {
    const parsed = ZEvaluationJob.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid evaluation job: ${formatZodIssues(parsed.error, "job")}`);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await runEvaluation(parsed.data.evaluationId, runtime, { lastAttempt });
  };

  const connection = connectRedis("consumer", options.redisUrl);
  const worker = new Worker<unknown, void>(EVALUATION_QUEUE_NAME, processor, {
    connection,
    prefix: bullPrefix(options.keyPrefix),
    concurrency: EVALUATION_CONCURRENCY,
  });
  logRedisErrors(worker, { component: "evaluation", queue: EVALUATION_QUEUE_NAME });
  worker.on("failed", (job, error) =>
    log.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: error }, "evaluation job failed"),
  );
  worker.on("stalled", (jobId) =>
    log.warn({ jobId }, "evaluation job stalled (its worker stopped renewing the lock); it runs again"),
  );
  await worker.waitUntilReady();

  return {
    async close() {
      await worker.close();
      await sessions.close();
      // Finished evaluations queue their webhook deliveries on this process's producer.
      await closeWebhookQueue();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
