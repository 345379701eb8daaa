import { UnrecoverableError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { formatZodIssues } from "@/server/domain/zod-message";
import { SERVING_QUEUE, ZServingJob, type ServingJobResult } from "@/server/contracts/serving";
import { ArtifactCache, ArtifactUnavailableError } from "@/workers/runtime/artifact-cache";
import { SessionCache } from "@/workers/runtime/session-cache";

export interface ServingWorkerOptions {
  redisUrl: string;
  /** REDIS_KEY_PREFIX: queues live under `${keyPrefix}bull`. */
  keyPrefix: string;
  hostName: string;
  cacheDir: string;
  artifactSourceUrl: string;
  memoryBudgetMb: number;
  /** Jobs in flight: each is an await on a session thread, so many (default 64). */
  concurrency?: number;
  /** Rows of one merged session run at most (default 1024). */
  maxBatchRows?: number;
  /** BullMQ lock of an active job (default 30 s); a killed worker's job is retried after it expires. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (default 30 s). */
  stalledIntervalMs?: number;
  log?: (line: string) => void;
}

export interface ServingWorker {
  worker: Worker<unknown, ServingJobResult>;
  sessions: SessionCache;
  /** Stops taking jobs, lets active ones finish, then ends the session threads and the connection. */
  close(): Promise<void>;
}

/** The serving processor: one BullMQ worker on SERVING_QUEUE, sessions in worker threads. */
export async function startServingWorker(options: ServingWorkerOptions): Promise<ServingWorker> {
  const log = options.log ?? ((line: string) => console.log(`[serving] ${line}`));
  const artifacts = new ArtifactCache({ cacheDir: options.cacheDir, sourceUrl: options.artifactSourceUrl });
  const sessions = new SessionCache({
    artifacts,
    memoryBudgetMb: options.memoryBudgetMb,
    maxBatchRows: options.maxBatchRows,
    log,
  });
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });

  const processor = async (job: Job<unknown, ServingJobResult>): Promise<ServingJobResult> => {
    const pickedUpMs = Date.now();
    const parsed = ZServingJob.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid serving job: ${formatZodIssues(parsed.error, "job")}`);
    const { requests, artifactSha256, device, versionId, enqueuedAtMs } = parsed.data;
    const queueWaitUs = Math.max(0, Math.round((pickedUpMs - enqueuedAtMs) * 1000));
    try {
      await sessions.get({ artifactSha256, device });
    } catch (error) {
      const message = `cannot load model version ${versionId} (artifact ${artifactSha256}): ${(error as Error).message}`;
      const retryable = error instanceof ArtifactUnavailableError && error.retryable;
      throw retryable ? new Error(message) : new UnrecoverableError(message);
    }
    const outcome = await sessions.run({ artifactSha256, device }, requests);
    return {
      results: outcome.results,
      hostName: options.hostName,
      executionProvider: outcome.executionProvider,
      computeUs: outcome.computeUs,
      batchRows: outcome.batchRows,
      queueWaitUs,
    };
  };

  const worker = new Worker<unknown, ServingJobResult>(SERVING_QUEUE, processor, {
    connection,
    prefix: `${options.keyPrefix}bull`,
    concurrency: options.concurrency ?? 64,
    ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
    ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
  });
  worker.on("error", (error) => log(`worker error: ${error.message}`));
  worker.on("failed", (job, error) =>
    log(`job ${job?.id ?? "?"} failed (attempt ${job?.attemptsMade ?? "?"}): ${error.message}`),
  );
  worker.on("stalled", (jobId) =>
    log(`job ${jobId} stalled (its worker stopped renewing the lock); it goes back to the queue`),
  );
  await worker.waitUntilReady();

  return {
    worker,
    sessions,
    async close() {
      await worker.close();
      await sessions.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
