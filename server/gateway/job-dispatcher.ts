import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import {
  SERVING_JOB_OPTIONS,
  SERVING_QUEUE,
  type ServingJob,
  type ServingJobResult,
} from "@/server/contracts/serving";

export interface JobDispatcher {
  dispatch(job: ServingJob, timeoutMs: number): Promise<ServingJobResult>;
  workerCount(): Promise<number>;
  close(): Promise<void>;
}

/** Puts serving jobs on the BullMQ queue and waits for their results via QueueEvents. */
export function createJobDispatcher({
  redisUrl,
  keyPrefix,
}: {
  redisUrl: string;
  keyPrefix: string;
}): JobDispatcher {
  const prefix = `${keyPrefix}bull`;
  // A producer fails fast when Redis is down (503) instead of queueing commands in memory.
  const queue = new Queue<ServingJob, ServingJobResult>(SERVING_QUEUE, {
    prefix,
    connection: new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
  });
  const events = new QueueEvents(SERVING_QUEUE, {
    prefix,
    connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
  });
  // Every waiting job adds listeners; thousands may wait at once.
  events.setMaxListeners(0);
  queue.setMaxListeners(0);
  queue.on("error", (error) => console.error(`serving queue: ${error.message}`));
  events.on("error", (error) => console.error(`serving queue events: ${error.message}`));

  let workers = { count: 0, readAtMs: 0 };
  return {
    async dispatch(data, timeoutMs) {
      const job = await queue.add("infer", data, SERVING_JOB_OPTIONS);
      // The worker is ours and returns ZServingJobResult; re-validating large outputs on every
      // request would cost more than the rest of the gateway's work.
      return (await job.waitUntilFinished(events, timeoutMs)) as ServingJobResult;
    },
    async workerCount() {
      if (Date.now() - workers.readAtMs > 1_000)
        workers = { count: (await queue.getWorkers()).length, readAtMs: Date.now() };
      return workers.count;
    },
    async close() {
      await events.close();
      await queue.close();
    },
  };
}
