import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { AppError } from "@/server/domain/app-error";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import {
  decodeServingJobResult,
  encodeServingJob,
  SERVING_DEADLINE_PASSED_REASON,
  SERVING_JOB_OPTIONS,
  SERVING_DEVICES,
  servingQueueName,
  servingReplyListKey,
  type ServingDevice,
  type QueuedServingJob,
  type QueuedServingJobResult,
  type ServingJob,
  type ServingJobResult,
} from "@/server/contracts/serving";
import { readServingReplies } from "@/server/gateway/serving-replies";
import type { Logger } from "@/server/logger";

/**
 * A job as the inference path builds it; the dispatcher stamps the payload's schema version.
 * The deadline is optional only for jobs an older gateway queued: this one always sets it, and
 * names its own reply list.
 */
export type DispatchedJob = Omit<ServingJob, "schemaVersion" | "deadlineAtMs" | "replyTo"> & {
  deadlineAtMs: number;
};

export interface JobDispatcher {
  /**
   * Puts the job on its device's queue and waits for the result until the job's deadline.
   * Throws AppError UNAVAILABLE when no worker takes that device's jobs or the queue cannot take
   * it (Redis down), and DEADLINE_EXCEEDED when no result came by the deadline or the worker
   * dropped the job past it; a job that failed on the worker otherwise rejects with its reason,
   * which is for the log, not the client. An aborted `signal` (every caller went away) ends the
   * wait with CLIENT_CLOSED_REQUEST and takes the job off the queue if no worker holds it yet.
   */
  dispatch(job: DispatchedJob, signal?: AbortSignal): Promise<ServingJobResult>;
  /** Workers consuming the device's queue (read at most once a second); UNAVAILABLE when Redis does not answer. */
  workerCount(device: ServingDevice): Promise<number>;
  /** Jobs waiting for a worker on each device's queue (read when asked: for the metrics scrape). */
  waitingJobs(): Promise<[ServingDevice, number][]>;
  close(): Promise<void>;
}

/**
 * How long a read of a queue's workers is used. With none there, sooner: a returning worker is
 * found within a quarter second, and the read (CLIENT LIST) is no burden on a gateway that only
 * answers 503.
 */
const WORKER_COUNT_TTL_MS = 1_000;
const NO_WORKER_COUNT_TTL_MS = 250;

interface DeviceQueue {
  queue: Queue<QueuedServingJob, null>;
  workers: { count: number; readAtMs: number };
  /** The read under way, shared by every request that finds the last one stale. */
  reading?: Promise<number>;
}

interface WaitingJob {
  resolve: (result: ServingJobResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  queue: Queue<QueuedServingJob, null>;
}

/**
 * Puts serving jobs on the queue of the device they ask for, each naming this gateway instance's
 * reply list, and hands each job's reply to its waiting caller: a gateway reads only the results
 * of its own jobs, however many gateways share the queues.
 */
export function createJobDispatcher({
  redisUrl,
  keyPrefix,
  log,
}: {
  redisUrl: string;
  keyPrefix: string;
  log: Logger;
}): JobDispatcher {
  const prefix = bullPrefix(keyPrefix);
  const instanceId = randomBytes(6).toString("hex");
  const replyTo = servingReplyListKey(keyPrefix, instanceId);
  const waiting = new Map<string, WaitingJob>();
  let jobSequence = 0;

  const queues = new Map<ServingDevice, DeviceQueue>(
    SERVING_DEVICES.map((device) => {
      const name = servingQueueName(device);
      const queue = new Queue<QueuedServingJob, null>(name, {
        prefix,
        connection: connectRedis("producer", redisUrl),
      });
      logRedisErrors(queue, { component: "gateway", queue: name });
      return [device, { queue, workers: { count: 0, readAtMs: 0 } }];
    }),
  );
  const queueOf = (device: ServingDevice): DeviceQueue => queues.get(device)!;

  const settle = (jobId: string): WaitingJob | undefined => {
    const job = waiting.get(jobId);
    if (!job) return undefined;
    waiting.delete(jobId);
    clearTimeout(job.timer);
    return job;
  };
  const replies = readServingReplies({
    redisUrl,
    listKey: replyTo,
    log,
    // A reply nobody waits for (its deadline passed, or a retried job's second reply) is dropped.
    onReply: (reply) => {
      const job = settle(reply.jobId);
      if (!job) return;
      if (reply.ok) resolveDecoded(job, reply.result);
      else if (reply.reason === SERVING_DEADLINE_PASSED_REASON)
        // A worker whose clock runs ahead of ours may drop the job a moment before our deadline.
        job.reject(new AppError("DEADLINE_EXCEEDED", "the job's deadline passed before a worker took it"));
      else job.reject(new Error(reply.reason));
    },
    // Redis may come back empty, without the jobs and their replies: failing now beats a 504 at
    // the deadline, and the client may retry at once.
    onConnectionLost: () => {
      if (waiting.size === 0) return;
      log.warn({ jobs: waiting.size }, "lost the Redis connection: its jobs' results cannot arrive; 503");
      for (const jobId of [...waiting.keys()]) settle(jobId)!.reject(resultsLost());
    },
  });

  const workerCount = (device: ServingDevice): Promise<number> => {
    const entry = queueOf(device);
    const ttlMs = entry.workers.count === 0 ? NO_WORKER_COUNT_TTL_MS : WORKER_COUNT_TTL_MS;
    if (Date.now() - entry.workers.readAtMs <= ttlMs) return Promise.resolve(entry.workers.count);
    entry.reading ??= entry.queue
      .getWorkers()
      .then((found) => {
        entry.workers = { count: found.length, readAtMs: Date.now() };
        return found.length;
      })
      .catch((error: unknown) => {
        throw queueUnavailable(error);
      })
      .finally(() => (entry.reading = undefined));
    return entry.reading;
  };

  return {
    workerCount,
    waitingJobs: () =>
      Promise.all(
        [...queues].map(async ([device, { queue }]): Promise<[ServingDevice, number]> => [
          device,
          await queue.getWaitingCount(),
        ]),
      ),
    async dispatch(data, signal) {
      // Said at once rather than found out at the deadline: nothing would ever take this job.
      if ((await workerCount(data.device)) === 0) throw noWorkerFor(data.device);
      // The batcher may have held the job past every request's deadline: nobody would read its result.
      const timeoutMs = Math.ceil(data.deadlineAtMs - Date.now());
      if (timeoutMs <= 0)
        throw new AppError("DEADLINE_EXCEEDED", "the deadline passed before the job was queued");
      const { queue } = queueOf(data.device);
      // Chosen here, and waited for before the job is added: its reply comes on another
      // connection and may be read before the add's own answer.
      const jobId = `${instanceId}-${(jobSequence++).toString(36)}`;
      const answer = new Promise<ServingJobResult>((resolve, reject) => {
        const timer = setTimeout(() => {
          settle(jobId);
          reject(new AppError("DEADLINE_EXCEEDED", `no serving worker answered within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(jobId, { resolve, reject, timer, queue });
      });
      // Handled by the caller once the add is through; until then a deadline must not go unhandled.
      answer.catch(() => undefined);
      signal?.addEventListener("abort", () => cancel(jobId), { once: true });
      try {
        await queue.add("infer", encodeServingJob({ ...data, replyTo }), {
          ...SERVING_JOB_OPTIONS,
          jobId,
        });
      } catch (error) {
        settle(jobId);
        throw queueUnavailable(error);
      }
      return answer;
    },
    async close() {
      await replies.close();
      for (const jobId of [...waiting.keys()]) settle(jobId)!.reject(resultsLost());
      for (const { queue } of queues.values()) await queue.close();
    },
  };

  /**
   * Every caller of the job went away: its waiter ends now, and the job leaves the queue if no
   * worker holds it yet (BullMQ refuses to remove an active job, which then runs to its end).
   */
  function cancel(jobId: string): void {
    const job = settle(jobId);
    if (!job) return;
    job.reject(new AppError("CLIENT_CLOSED_REQUEST", "every caller of the job went away"));
    job.queue.remove(jobId).catch(() => undefined);
  }
}

/** A reply whose tensors do not decode (a worker that broke the contract) fails its job alone. */
function resolveDecoded(job: WaitingJob, result: QueuedServingJobResult): void {
  let decoded;
  try {
    decoded = decodeServingJobResult(result);
  } catch (error) {
    return job.reject(new Error(`the worker's reply does not decode: ${(error as Error).message}`));
  }
  job.resolve(decoded);
}

/** What readiness and a refused request say when no running host can serve a device. */
export function noWorkerMessage(device: ServingDevice): string {
  return device === "cpu"
    ? "no serving worker is running"
    : `no serving worker takes ${device} jobs: no running host created a ${device} session in its provider probe`;
}

function noWorkerFor(device: ServingDevice): AppError {
  return new AppError("UNAVAILABLE", noWorkerMessage(device), { retryAfterSeconds: 5 });
}

/** Redis refused or did not answer: the client may retry; the cause stays in the log. */
function resultsLost(): AppError {
  return new AppError("UNAVAILABLE", "the connection to the serving queue was lost; retry", {
    retryAfterSeconds: 1,
  });
}

function queueUnavailable(cause: unknown): AppError {
  return new AppError(
    "UNAVAILABLE",
    "the serving queue is unavailable (Redis does not answer); retry later",
    {
      retryAfterSeconds: 1,
      cause,
    },
  );
}
