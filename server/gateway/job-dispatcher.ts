import { Queue, QueueEvents } from "bullmq";
import {
  SERVING_JOB_OPTIONS,
  SERVING_JOB_SCHEMA_VERSION,
  SERVING_QUEUE,
  type ServingJob,
  type ServingJobResult,
} from "@/server/contracts/serving";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis } from "@/server/contracts/redis-connections";

/** A job as the inference path builds it; the dispatcher stamps the payload's schema version. */
export type DispatchedJob = Omit<ServingJob, "schemaVersion">;

export interface JobDispatcher {
  dispatch(job: DispatchedJob, timeoutMs: number): Promise<ServingJobResult>;
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
  const prefix = bullPrefix(keyPrefix);
  const queue = new Queue<ServingJob, ServingJobResult>(SERVING_QUEUE, {
    prefix,
    connection: connectRedis("producer", redisUrl),
  });
  const events = new QueueEvents(SERVING_QUEUE, { prefix, connection: connectRedis("consumer", redisUrl) });
  // Every waiting job adds listeners; thousands may wait at once.
  events.setMaxListeners(0);
  queue.setMaxListeners(0);
  queue.on("error", (error) => console.error(`serving queue: ${error.message}`));
  events.on("error", (error) => console.error(`serving queue events: ${error.message}`));

  let workers = { count: 0, readAtMs: 0 };
  return {
    async dispatch(data, timeoutMs) {
      const job = await queue.add(
        "infer",
        { schemaVersion: SERVING_JOB_SCHEMA_VERSION, ...data },
        SERVING_JOB_OPTIONS,
      );
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
