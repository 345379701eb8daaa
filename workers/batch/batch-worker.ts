import { DelayedError, Worker, UnrecoverableError, type Job } from "bullmq";
import {
  BATCH_CHUNK_QUEUE_NAME,
  BATCH_FINALIZE_QUEUE_NAME,
  ZBatchChunkJob,
  ZBatchFinalizeJob,
} from "@/server/contracts/batch";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import { formatZodIssues } from "@/server/domain/zod-message";
import { getLogger, type Logger } from "@/server/logger";
import { ArtifactCache, ArtifactUnavailableError } from "@/workers/runtime/artifact-cache";
import { SessionCache } from "@/workers/runtime/session-cache";
import { finalizeBatchJob } from "@/workers/batch/finalize-batch-job";
import { requeueLostRounds } from "@/workers/batch/requeue-lost-rounds";
import { runChunk } from "@/workers/batch/run-chunk";

export interface BatchWorkerOptions {
  redisUrl: string;
  keyPrefix: string;
  hostName: string;
  cacheDir: string;
  artifactSourceUrl: string;
  /** WORKER_TOKEN: lets this host read every team's artifacts where the console requires auth. */
  artifactToken?: string;
  /** For this role's own sessions, beside (not shared with) the serving role's. */
  memoryBudgetMb: number;
  /** Chunks run at once by this process. */
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** How often to look for jobs whose round Redis lost (requeue-lost-rounds.ts). */
  requeueIntervalMs: number;
  log?: Logger;
}

/**
 * Batch never starves online serving, by three limits: its own queues (a serving worker never
 * takes a chunk, and chunks never queue in front of requests); its own sessions, so a chunk's
 * session runs queue only behind other chunks, never in front of a request's run on the serving
 * role's thread; and a bounded concurrency (1 by default), so a batch process keeps at most one
 * session thread busy and leaves the host's other cores to serving. A host that must give online
 * traffic every core runs the batch role elsewhere.
 */
/** A chunk whose model's artifact cannot be fetched waits this long in all, trying this often. */
const ARTIFACT_WAIT_MS = 10 * 60_000;
const ARTIFACT_RETRY_MS = 1_000;

export async function startBatchWorker(options: BatchWorkerOptions) {
  const log = options.log ?? getLogger().child({ component: "batch" });
  const artifacts = new ArtifactCache({
    cacheDir: options.cacheDir,
    sourceUrl: options.artifactSourceUrl,
    token: options.artifactToken,
  });
  // A chunk's request is one run of the job's batch size: the runner must not cut it into merges.
  const sessions = new SessionCache({
    artifacts,
    memoryBudgetMb: options.memoryBudgetMb,
    maxBatchRows: 65_536,
    log: (line) => log.info(line),
  });
  const runtime = { sessions, hostName: options.hostName, log };

  const chunkProcessor = async (job: Job<unknown, void>, token?: string) => {
    const parsed = ZBatchChunkJob.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid batch chunk job: ${formatZodIssues(parsed.error, "job")}`);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const waitingSinceMs = parsed.data.artifactWaitSinceMs ?? Date.now();
    const mayWaitForArtifact = Date.now() - waitingSinceMs < ARTIFACT_WAIT_MS;
    try {
      await runChunk(parsed.data, runtime, { lastAttempt, mayWaitForArtifact });
    } catch (error) {
      if (!(mayWaitForArtifact && error instanceof ArtifactUnavailableError && error.retryable)) throw error;
      // Attempts are for faults of the chunk; a console restarting is waited out, up to a bound.
      await job.updateData({ ...parsed.data, artifactWaitSinceMs: waitingSinceMs });
      await job.moveToDelayed(Date.now() + ARTIFACT_RETRY_MS, token);
      throw new DelayedError();
    }
  };
  const finalizeProcessor = async (job: Job<unknown, void>) => {
    const parsed = ZBatchFinalizeJob.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid batch finalize job: ${formatZodIssues(parsed.error, "job")}`);
    await finalizeBatchJob(parsed.data);
  };

  const connection = connectRedis("consumer", options.redisUrl);
  const common = {
    connection,
    prefix: bullPrefix(options.keyPrefix),
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
  };
  const workers = [
    new Worker<unknown, void>(BATCH_CHUNK_QUEUE_NAME, chunkProcessor, {
      ...common,
      concurrency: options.concurrency,
    }),
    new Worker<unknown, void>(BATCH_FINALIZE_QUEUE_NAME, finalizeProcessor, { ...common, concurrency: 1 }),
  ];
  for (const [worker, queue] of [
    [workers[0]!, BATCH_CHUNK_QUEUE_NAME],
    [workers[1]!, BATCH_FINALIZE_QUEUE_NAME],
  ] as const) {
    logRedisErrors(worker, { component: "batch", queue });
    worker.on("failed", (job, error) =>
      log.warn({ queue, jobId: job?.id, attempt: job?.attemptsMade, err: error }, "batch job failed"),
    );
    worker.on("stalled", (jobId) =>
      log.warn({ queue, jobId }, "batch job stalled (its worker stopped renewing the lock); it runs again"),
    );
  }
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  const requeue = requeueLostRounds({
    connection,
    prefix: common.prefix,
    intervalMs: options.requeueIntervalMs,
    log,
  });

  return {
    async close() {
      await requeue.stop();
      await Promise.all(workers.map((worker) => worker.close()));
      await sessions.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
