import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { formatZodIssues } from "@/server/domain/zod-message";
import { getLogger, type Logger } from "@/server/logger";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import {
  decodeServingJob,
  SERVING_DEADLINE_PASSED_REASON,
  SERVING_REPLY_LIST_TTL_MS,
  ZQueuedServingJob,
  type QueuedServingJob,
  type QueuedServingJobResult,
  type QueuedTensor,
  type ServingReply,
  servingQueueName,
  type ServingDevice,
  type ServingJob,
  type ServingJobResult,
} from "@/server/contracts/serving";
import { WorkerMetrics } from "@/server/metrics/worker-metrics";
import { DroppedJobs } from "@/workers/serving/dropped-jobs";
import { SessionRunCounters } from "@/workers/serving/session-run-counters";
import { ArtifactCache, ArtifactUnavailableError } from "@/workers/runtime/artifact-cache";
import { SessionCache, type LoadedSession } from "@/workers/runtime/session-cache";
import { SessionRunner } from "@/workers/runtime/session-runner";
import { packedToQueued, unpackToWire, type PackedTensor } from "@/workers/runtime/tensor-convert";
import { preloadServedSessions } from "@/workers/serving/preload-sessions";

export interface ServingWorkerOptions {
  redisUrl: string;
  /** REDIS_KEY_PREFIX: queues live under bullPrefix(keyPrefix). */
  keyPrefix: string;
  hostName: string;
  /**
   * The devices whose queues this worker consumes: those the host agent's probe really ran
   * (servableDevices), so a CPU-only host never takes a CUDA job.
   */
  devices: ServingDevice[];
  cacheDir: string;
  artifactSourceUrl: string;
  /** WORKER_TOKEN: lets this host read every team's artifacts where the console requires auth. */
  artifactToken?: string;
  memoryBudgetMb: number;
  /** Jobs in flight per device queue: each is an await on a session thread, so many (default 64). */
  concurrency?: number;
  /** Rows of one merged session run at most (default 1024). */
  maxBatchRows?: number;
  /** BullMQ lock of an active job (default 30 s); a killed worker's job is retried after it expires. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (default 30 s). */
  stalledIntervalMs?: number;
  log?: Logger;
}

export interface ServingWorker {
  /** One BullMQ worker per device queue consumed. */
  workers: Worker<unknown, JobReturn>[];
  sessions: SessionCache;
  /** Its Prometheus registry (served by the process on WORKER_METRICS_PORT when set). */
  metrics: WorkerMetrics;
  /** Stops taking jobs, lets active ones finish, then ends the session threads and the connection. */
  close(): Promise<void>;
}

/**
 * What a job returns to BullMQ: nothing when its result went to the gateway's reply list, the
 * result itself for a job of an older gateway, which reads it from BullMQ's completed event.
 */
type JobReturn = ServingJobResult | null;

/** The reply and the list's renewed expiry in one round trip. */
async function sendReply(redis: Redis, replyTo: string, reply: ServingReply): Promise<void> {
  await redis
    .multi()
    .rpush(replyTo, JSON.stringify(reply))
    .pexpire(replyTo, SERVING_REPLY_LIST_TTL_MS)
    .exec();
}

/**
 * One line per job whose requests carry a trace context (W3C traceparent, from the gateway's
 * span), so a slow request's run can be found from its trace: untraced jobs log nothing.
 */
function logTracedRequests(
  log: Logger,
  jobId: string,
  job: ServingJob,
  result: Omit<ServingJobResult, "results">,
): void {
  const traceparents = job.requests.flatMap((request) => (request.traceparent ? [request.traceparent] : []));
  if (traceparents.length === 0) return;
  log.info(
    {
      jobId,
      deploymentId: job.deploymentId,
      versionId: job.versionId,
      traceparents,
      batchRows: result.batchRows,
      queueWaitUs: result.queueWaitUs,
      computeUs: result.computeUs,
    },
    "traced requests ran",
  );
}

/** The job with its tensors' bytes decoded; a tensor whose bytes do not fit it makes the job invalid. */
function decodedJob(job: QueuedServingJob): ServingJob {
  try {
    return decodeServingJob(job);
  } catch (error) {
    throw new UnrecoverableError(`invalid serving job: ${(error as Error).message}`);
  }
}

/** Where a session's load time went: its first answer waited for all of it, unless it was preloaded. */
function logLoadedSession(
  log: Logger,
  { key, fetchMs, startMs, sessionCreateMs, ...loaded }: LoadedSession,
): void {
  const ms = (value: number) => Math.round(value * 10) / 10;
  log.info(
    {
      ...key,
      ...loaded,
      fetchMs: ms(fetchMs),
      startMs: ms(startMs),
      sessionCreateMs: ms(sessionCreateMs),
    },
    "session loaded",
  );
}

/** The serving processor: a BullMQ worker on each device's queue, sessions in worker threads. */
export async function startServingWorker(options: ServingWorkerOptions): Promise<ServingWorker> {
  const log = options.log ?? getLogger().child({ component: "serving" });
  if (options.devices.length === 0) throw new Error("a serving worker needs at least one device to serve");
  const artifacts = new ArtifactCache({
    cacheDir: options.cacheDir,
    sourceUrl: options.artifactSourceUrl,
    token: options.artifactToken,
  });
  const sessions = new SessionCache({
    artifacts,
    memoryBudgetMb: options.memoryBudgetMb,
    maxBatchRows: options.maxBatchRows,
    log: (line) => log.info(line),
    onLoaded: (loaded) => logLoadedSession(log, loaded),
  });

  // Built while the queues connect, so the first version to load does not wait for it.
  const threadsPrepared = SessionRunner.prepare().catch((error: unknown) =>
    log.warn({ err: error }, "could not prepare session threads; each load tries again and reports why"),
  );

  const drops = new Map(
    options.devices.map((device) => [device, new DroppedJobs(log, servingQueueName(device))]),
  );

  const replies = connectRedis("command", options.redisUrl);
  const metrics = new WorkerMetrics({
    sessionMemoryBytes: () => sessions.usedMb() * 1024 * 1024,
    loadedSessions: () => sessions.loaded().length,
  });
  // Counters are keys under REDIS_KEY_PREFIX, like the gateway's; reply lists are named whole.
  const countersRedis = connectRedis("command", options.redisUrl, { keyPrefix: options.keyPrefix });
  const runCounters = new SessionRunCounters(countersRedis, metrics);

  const processorFor = (queueDevice: ServingDevice) => async (job: Job<unknown, JobReturn>) => {
    const pickedUpMs = Date.now();
    const parsed = ZQueuedServingJob.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid serving job: ${formatZodIssues(parsed.error, "job")}`);
    const { replyTo, schemaVersion } = parsed.data;
    const jobId = job.id!;
    try {
      const decoded = decodedJob(parsed.data);
      // Outputs as bytes, unless the gateway reads JSON arrays only: a version-1 job's, or an
      // older gateway's job with no reply list, whose result it reads from BullMQ's event.
      const asBytes = replyTo !== undefined && schemaVersion !== 1;
      const toOutput: (tensor: PackedTensor) => QueuedTensor = asBytes ? packedToQueued : unpackToWire;
      const result = await runJob(queueDevice, decoded, pickedUpMs, toOutput);
      logTracedRequests(log, jobId, decoded, result);
      if (replyTo === undefined) return result as ServingJobResult;
      await sendReply(replies, replyTo, { jobId, ok: true, result });
      return null;
    } catch (error) {
      // An attempt that will be retried stays silent: its retry answers.
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (replyTo !== undefined && final)
        await sendReply(replies, replyTo, { jobId, ok: false, reason: (error as Error).message }).catch(
          (replyError: unknown) =>
            log.warn({ jobId, err: replyError }, "could not send a failed job's reply"),
        );
      throw error;
    }
  };

  const runJob = async (
    queueDevice: ServingDevice,
    job: ServingJob,
    pickedUpMs: number,
    toOutput: (tensor: PackedTensor) => QueuedTensor,
  ): Promise<QueuedServingJobResult> => {
    const { requests, artifactSha256, device, versionId, enqueuedAtMs, deadlineAtMs } = job;
    // Only a producer that ignores the contract puts one here; running it would hide that.
    if (device !== queueDevice)
      throw new UnrecoverableError(
        `job asks for device ${device} but came on the ${servingQueueName(queueDevice)} queue; not run here`,
      );
    // Nobody waits for this answer any more (the gateway has answered 504): running it would only
    // delay the jobs behind it, which is how a returning worker spent 35 s on the clients of an outage.
    // Failing it (not retried) rather than completing it makes a gateway whose clock runs behind
    // ours answer 504, not a model error.
    if (deadlineAtMs !== undefined && pickedUpMs >= deadlineAtMs) {
      drops.get(queueDevice)!.record(requests.length, pickedUpMs - deadlineAtMs);
      throw new UnrecoverableError(SERVING_DEADLINE_PASSED_REASON);
    }
    const queueWaitUs = Math.max(0, Math.round((pickedUpMs - enqueuedAtMs) * 1000));
    try {
      await sessions.get({ artifactSha256, device });
    } catch (error) {
      const message = `cannot load model version ${versionId} (artifact ${artifactSha256}): ${(error as Error).message}`;
      const retryable = error instanceof ArtifactUnavailableError && error.retryable;
      throw retryable ? new Error(message) : new UnrecoverableError(message);
    }
    const outcome = await sessions.run({ artifactSha256, device }, requests, toOutput);
    runCounters.record(job, outcome.sessionRuns);
    return {
      results: outcome.results,
      hostName: options.hostName,
      executionProvider: outcome.executionProvider,
      computeUs: outcome.computeUs,
      batchRows: outcome.batchRows,
      queueWaitUs,
    };
  };

  const connections = options.devices.map(() => connectRedis("consumer", options.redisUrl));
  const workers = options.devices.map((device, index) => {
    const queue = servingQueueName(device);
    const worker = new Worker<unknown, JobReturn>(queue, processorFor(device), {
      connection: connections[index]!,
      prefix: bullPrefix(options.keyPrefix),
      concurrency: options.concurrency ?? 64,
      ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
    });
    logRedisErrors(worker, { component: "serving", queue });
    // Job data holds tensors: a failed job is logged by id and reason only. Dropped ones are
    // counted by DroppedJobs instead, a line per second rather than per job.
    worker.on("failed", (job, error) => {
      if (error.message === SERVING_DEADLINE_PASSED_REASON) return;
      log.warn({ queue, jobId: job?.id, attempt: job?.attemptsMade, err: error }, "serving job failed");
    });
    worker.on("stalled", (jobId) =>
      log.warn(
        { queue, jobId },
        "serving job stalled (its worker stopped renewing the lock); it goes back to the queue",
      ),
    );
    return worker;
  });
  await Promise.all([...workers.map((worker) => worker.waitUntilReady()), threadsPrepared]);
  const preloads = await preloadServedSessions({
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix,
    devices: options.devices,
    sessions,
    log,
  });

  return {
    workers,
    sessions,
    metrics,
    async close() {
      await preloads.close();
      await Promise.all(workers.map((worker) => worker.close()));
      for (const dropped of drops.values()) dropped.close();
      await sessions.close();
      await runCounters
        .close()
        .catch((error: unknown) =>
          log.warn({ err: error }, "the last session-run counters could not be written"),
        );
      await Promise.all(
        [...connections, replies, countersRedis].map((connection) =>
          connection.quit().catch(() => connection.disconnect()),
        ),
      );
    },
  };
}
