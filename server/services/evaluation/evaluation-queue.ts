import { Queue } from "bullmq";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { EVALUATION_QUEUE_NAME, type EvaluationJob } from "@/server/contracts/evaluation";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import { readEnv } from "@/server/env";

const globalForQueue = globalThis as unknown as { mlopsEvaluationQueue?: Queue<EvaluationJob> };

/** The console's producer of evaluation jobs: one per process, like getRedis. */
export function getEvaluationQueue(): Queue<EvaluationJob> {
  if (!globalForQueue.mlopsEvaluationQueue) {
    const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
    const queue = new Queue<EvaluationJob>(EVALUATION_QUEUE_NAME, {
      connection: connectRedis("producer", REDIS_URL),
      prefix: bullPrefix(REDIS_KEY_PREFIX),
    });
    logRedisErrors(queue, { component: "evaluation-queue" });
    globalForQueue.mlopsEvaluationQueue = queue;
  }
  return globalForQueue.mlopsEvaluationQueue;
}
