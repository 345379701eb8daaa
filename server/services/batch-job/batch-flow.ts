import { FlowProducer } from "bullmq";
import type { Redis } from "ioredis";
import {
  BATCH_CHUNK_JOB_OPTIONS,
  BATCH_CHUNK_QUEUE_NAME,
  BATCH_FINALIZE_JOB_OPTIONS,
  BATCH_FINALIZE_QUEUE_NAME,
  BATCH_JOB_SCHEMA_VERSION,
  batchChunkJobId,
  batchFinalizeJobId,
} from "@/server/contracts/batch";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, logRedisErrors, REDIS_COMMAND_TIMEOUT_MS } from "@/server/contracts/redis-connections";
import { readEnv } from "@/server/env";

type Producer = { flows: FlowProducer; connection: Redis };
const globalForFlows = globalThis as unknown as { mlopsBatchFlows?: Producer };

function getFlowProducer(): FlowProducer {
  if (!globalForFlows.mlopsBatchFlows) {
    const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
    const connection = connectRedis("producer", REDIS_URL);
    const flows = new FlowProducer({ connection, prefix: bullPrefix(REDIS_KEY_PREFIX) });
    logRedisErrors(flows, { component: "batch-flows" });
    globalForFlows.mlopsBatchFlows = { flows, connection };
  }
  return globalForFlows.mlopsBatchFlows.flows;
}

/**
 * Queues one round of a job: a finalize parent and a child per chunk given. The parent runs
 * when every child has finished, failed ones included (ignoreDependencyOnFailure), and decides
 * the job's outcome. Job ids follow (job, round, chunk), so queueing a round twice runs it once.
 */
export async function queueBatchRound(
  batchJobId: string,
  round: number,
  chunkIndices: number[],
): Promise<void> {
  const flows = getFlowProducer();
  // The producer profile fails at once while disconnected; bound the first connection's wait.
  await Promise.race([
    flows.waitUntilReady(),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error("Redis is not reachable")), 2 * REDIS_COMMAND_TIMEOUT_MS).unref(),
    ),
  ]);
  await flows.add({
    name: "finalize",
    queueName: BATCH_FINALIZE_QUEUE_NAME,
    data: { schemaVersion: BATCH_JOB_SCHEMA_VERSION, batchJobId, round },
    opts: { ...BATCH_FINALIZE_JOB_OPTIONS, jobId: batchFinalizeJobId(batchJobId, round) },
    children: chunkIndices.map((chunkIndex) => ({
      name: "chunk",
      queueName: BATCH_CHUNK_QUEUE_NAME,
      data: { schemaVersion: BATCH_JOB_SCHEMA_VERSION, batchJobId, chunkIndex },
      opts: { ...BATCH_CHUNK_JOB_OPTIONS, jobId: batchChunkJobId(batchJobId, chunkIndex, round) },
    })),
  });
}

/** For scripts and tests that queue jobs and then exit. */
export async function closeBatchFlows(): Promise<void> {
  const producer = globalForFlows.mlopsBatchFlows;
  if (!producer) return;
  globalForFlows.mlopsBatchFlows = undefined;
  await producer.flows.close();
  await producer.connection.quit().catch(() => producer.connection.disconnect());
}
