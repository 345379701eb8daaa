import { getDb } from "@/server/db";
import { readEnvOrExit } from "@/server/env";
import { SERVING_QUEUE } from "@/server/contracts/serving";
import { startHostAgent } from "@/workers/host";
import { startServingWorker } from "@/workers/serving/serving-worker";
import { readWorkerEnv } from "@/workers/worker-env";

// The one worker entry (`tsx workers/main.ts`): host agent + serving worker, closed on SIGTERM/SIGINT.
const env = readEnvOrExit(readWorkerEnv);
const host = await startHostAgent({
  hostName: env.WORKER_HOST_NAME,
  device: env.WORKER_DEVICE,
  costMicrosPerHour: env.WORKER_COST_MICROS_PER_HOUR,
});
const serving = await startServingWorker({
  redisUrl: env.REDIS_URL,
  keyPrefix: env.REDIS_KEY_PREFIX,
  hostName: env.WORKER_HOST_NAME,
  cacheDir: env.WORKER_CACHE_DIR,
  artifactSourceUrl: env.ARTIFACT_SOURCE_URL,
  memoryBudgetMb: env.WORKER_MEMORY_BUDGET_MB,
  concurrency: env.WORKER_CONCURRENCY,
  maxBatchRows: env.WORKER_MAX_BATCH_ROWS,
  lockDurationMs: env.WORKER_LOCK_DURATION_MS,
  stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
});
console.log(
  `worker ${env.WORKER_HOST_NAME}: device ${host.device}, provider ${host.executionProviders[0]}, queue ${env.REDIS_KEY_PREFIX}bull:${SERVING_QUEUE}, concurrency ${env.WORKER_CONCURRENCY}, memory budget ${env.WORKER_MEMORY_BUDGET_MB} MB`,
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) process.exit(1); // a second signal: stop waiting
  stopping = true;
  console.log(`worker ${env.WORKER_HOST_NAME}: ${signal}, finishing active jobs`);
  host.stop();
  await serving.close();
  await getDb().$disconnect();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
