import { Queue, QueueEvents } from "bullmq";
import { AppError } from "@/server/domain/app-error";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import {
  SERVING_JOB_OPTIONS,
  SERVING_JOB_SCHEMA_VERSION,
  SERVING_QUEUE,
  type ServingJob,
  type ServingJobResult,
} from "@/server/contracts/serving";

/** A job as the inference path builds it; the dispatcher stamps the payload's schema version. */
export type DispatchedJob = Omit<ServingJob, "schemaVersion">;

export interface JobDispatcher {
  /**
   * Throws AppError UNAVAILABLE when the queue cannot take the job (Redis down) and
   * DEADLINE_EXCEEDED when no result came within timeoutMs; a job that failed on the worker
   * rejects with its reason, which is for the log, not the client.
   */
  dispatch(job: DispatchedJob, timeoutMs: number): Promise<ServingJobResult>;
  /** Throws AppError UNAVAILABLE when Redis does not answer. */
  workerCount(): Promise<number>;
  close(): Promise<void>;
}

/** How long BullMQ keeps a wait's listeners after our own deadline gave up on it. */
const LISTENER_GRACE_MS = 1_000;

/** Puts serving jobs on the BullMQ queue and waits for their results via QueueEvents. */
export function createJobDispatcher({
  redisUrl,
  keyPrefix,
}: {
  redisUrl: string;
  keyPrefix: string;
}): JobDispatcher {
  const prefix = bullPrefix(keyPrefix);
  const queue = new Queue<ServingJob, ServingJobResult>(SERVING_QUEUE, {
    prefix,
    connection: connectRedis("producer", redisUrl),
  });
  const events = new QueueEvents(SERVING_QUEUE, { prefix, connection: connectRedis("consumer", redisUrl) });
  // Every waiting job adds listeners; thousands may wait at once.
  events.setMaxListeners(0);
  queue.setMaxListeners(0);
  logRedisErrors(queue, { component: "gateway", queue: SERVING_QUEUE });
  logRedisErrors(events, { component: "gateway", queue: SERVING_QUEUE, of: "queue events" });

  let workers = { count: 0, readAtMs: 0 };
  return {
    async dispatch(data, timeoutMs) {
      const job = await queue
        .add("infer", { schemaVersion: SERVING_JOB_SCHEMA_VERSION, ...data }, SERVING_JOB_OPTIONS)
        .catch((error: unknown) => {
          throw queueUnavailable(error);
        });
      // The worker is ours and returns ZServingJobResult; re-validating large outputs on every
      // request would cost more than the rest of the gateway's work.
      const finished = job.waitUntilFinished(events, timeoutMs + LISTENER_GRACE_MS);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new AppError("DEADLINE_EXCEEDED", `no serving worker answered within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        return (await Promise.race([finished, deadline])) as ServingJobResult;
      } finally {
        clearTimeout(timer);
      }
    },
    async workerCount() {
      if (Date.now() - workers.readAtMs > 1_000) {
        const found = await queue.getWorkers().catch((error: unknown) => {
          throw queueUnavailable(error);
        });
        workers = { count: found.length, readAtMs: Date.now() };
      }
      return workers.count;
    },
    async close() {
      await events.close();
      await queue.close();
    },
  };
}

/** Redis refused or did not answer: the client may retry; the cause stays in the log. */
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
