import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { EVALUATION_QUEUE_NAME, type EvaluationJob } from "@/server/contracts/evaluation";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import { readEnv } from "@/server/env";

type Producer = { queue: Queue<EvaluationJob>; connection: Redis };
const globalForQueue = globalThis as unknown as { mlopsEvaluationQueue?: Producer };

/** The console's producer of evaluation jobs: one per process, like getRedis. */
export function getEvaluationQueue(): Queue<EvaluationJob> {
  if (!globalForQueue.mlopsEvaluationQueue) {
    const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
    const connection = connectRedis("producer", REDIS_URL);
    const queue = new Queue<EvaluationJob>(EVALUATION_QUEUE_NAME, {
      connection,
      prefix: bullPrefix(REDIS_KEY_PREFIX),
    });
    logRedisErrors(queue, { component: "evaluation-queue" });
    globalForQueue.mlopsEvaluationQueue = { queue, connection };
  }
  return globalForQueue.mlopsEvaluationQueue.queue;
}

/** For scripts that queue evaluations and then exit (the demo seed): lets the process end. */
export async function closeEvaluationQueue(): Promise<void> {
  const producer = globalForQueue.mlopsEvaluationQueue;
  if (!producer) return;
  globalForQueue.mlopsEvaluationQueue = undefined;
  await producer.queue.close();
  // BullMQ leaves a connection it was given open.
  await producer.connection.quit().catch(() => producer.connection.disconnect());
}
