import { Queue, QueueEvents } from "bullmq";
import { AppError } from "@/server/domain/app-error";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import {
  SERVING_DEADLINE_PASSED_REASON,
  SERVING_JOB_OPTIONS,
  SERVING_DEVICES,
  SERVING_JOB_SCHEMA_VERSION,
  servingQueueName,
  type ServingDevice,
  type ServingJob,
  type ServingJobResult,
} from "@/server/contracts/serving";

/**
 * A job as the inference path builds it; the dispatcher stamps the payload's schema version.
 * The deadline is optional only for jobs an older gateway queued: this one always sets it.
 */
export type DispatchedJob = Omit<ServingJob, "schemaVersion" | "deadlineAtMs"> & { deadlineAtMs: number };

export interface JobDispatcher {
  /**
   * Puts the job on its device's queue and waits for the result until the job's deadline.
   * Throws AppError UNAVAILABLE when no worker takes that device's jobs or the queue cannot take
   * it (Redis down), and DEADLINE_EXCEEDED when no result came by the deadline or the worker
   * dropped the job past it; a job that failed on the worker otherwise rejects with its reason,
   * which is for the log, not the client.
   */
  dispatch(job: DispatchedJob): Promise<ServingJobResult>;
  /** Workers consuming the device's queue (read at most once a second); UNAVAILABLE when Redis does not answer. */
  workerCount(device: ServingDevice): Promise<number>;
  close(): Promise<void>;
}

/** How long BullMQ keeps a wait's listeners after our own deadline gave up on it. */
const LISTENER_GRACE_MS = 1_000;
const WORKER_COUNT_TTL_MS = 1_000;

interface DeviceQueue {
  queue: Queue<ServingJob, ServingJobResult>;
  events: QueueEvents;
  workers: { count: number; readAtMs: number };
}

/**
 * Puts serving jobs on the queue of the device they ask for and waits for their results via
 * that queue's QueueEvents.
 */
export function createJobDispatcher({
  redisUrl,
  keyPrefix,
}: {
  redisUrl: string;
  keyPrefix: string;
}): JobDispatcher {
  const prefix = bullPrefix(keyPrefix);
  // Every device's queue is open from the start: QueueEvents reads events from when it
  // connects, so one opened at a job's first dispatch could miss that job's completion.
  const queues = new Map<ServingDevice, DeviceQueue>(
    SERVING_DEVICES.map((device) => {
      const name = servingQueueName(device);
      const queue = new Queue<ServingJob, ServingJobResult>(name, {
        prefix,
        connection: connectRedis("producer", redisUrl),
      });
      const events = new QueueEvents(name, { prefix, connection: connectRedis("consumer", redisUrl) });
      // Every waiting job adds listeners; thousands may wait at once.
      events.setMaxListeners(0);
      queue.setMaxListeners(0);
      logRedisErrors(queue, { component: "gateway", queue: name });
      logRedisErrors(events, { component: "gateway", queue: name, of: "queue events" });
      return [device, { queue, events, workers: { count: 0, readAtMs: 0 } }];
    }),
  );
  const queueOf = (device: ServingDevice): DeviceQueue => queues.get(device)!;

  const workerCount = async (device: ServingDevice): Promise<number> => {
    const entry = queueOf(device);
    if (Date.now() - entry.workers.readAtMs > WORKER_COUNT_TTL_MS) {
      const found = await entry.queue.getWorkers().catch((error: unknown) => {
        throw queueUnavailable(error);
      });
      entry.workers = { count: found.length, readAtMs: Date.now() };
    }
    return entry.workers.count;
  };

  return {
    workerCount,
    async dispatch(data) {
      // Said at once rather than found out at the deadline: nothing would ever take this job.
      if ((await workerCount(data.device)) === 0) throw noWorkerFor(data.device);
      // The batcher may have held the job past every request's deadline: nobody would read its result.
      if (data.deadlineAtMs <= Date.now())
        throw new AppError("DEADLINE_EXCEEDED", "the deadline passed before the job was queued");
      const { queue, events } = queueOf(data.device);
      const job = await queue
        .add("infer", { schemaVersion: SERVING_JOB_SCHEMA_VERSION, ...data }, SERVING_JOB_OPTIONS)
        .catch((error: unknown) => {
          throw queueUnavailable(error);
        });
      const timeoutMs = Math.max(0, Math.ceil(data.deadlineAtMs - Date.now()));
      // The worker is ours and returns ZServingJobResult; re-validating large outputs on every
      // request would cost more than the rest of the gateway's work.
      const finished = job.waitUntilFinished(events, timeoutMs + LISTENER_GRACE_MS).catch((error: Error) => {
        // A worker whose clock runs ahead of ours may drop the job a moment before our deadline.
        if (error.message === SERVING_DEADLINE_PASSED_REASON)
          throw new AppError("DEADLINE_EXCEEDED", `the job's deadline passed before a worker took it`);
        throw error;
      });
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
    async close() {
      for (const { queue, events } of queues.values()) {
        await events.close();
        await queue.close();
      }
    },
  };
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
