import { bullPrefix } from "@/server/contracts/key-prefix";
import { servingQueueName } from "@/server/contracts/serving";
import { BATCH_CHUNK_QUEUE_NAME } from "@/server/contracts/batch";
import { EVALUATION_QUEUE_NAME } from "@/server/contracts/evaluation";
import { WEBHOOK_QUEUE_NAME } from "@/server/contracts/webhook-delivery";
import { serveMetrics } from "@/server/metrics/serve-metrics";
import type { HostAgent } from "@/workers/host";
import type { WorkerEnv, WorkerRole } from "@/workers/worker-env";

/** A started role: `close` stops taking work and lets active jobs finish. */
export interface RunningRole {
  /** One line for the startup log: what this role consumes and with what limits. */
  description: string;
  close(): Promise<void>;
}

/**
 * The one place that knows how each role starts, by the name WORKER_ROLES uses. Adding a role is
 * its name in worker-env.ts and its starter here (the Record makes the compiler ask for both).
 * Each loads its module when it starts: the serving role, first in the demo's list, takes jobs
 * before the others load Prisma's client (a restarted worker is back sooner).
 */
const ROLE_STARTERS: Record<WorkerRole, (env: WorkerEnv, host: HostAgent) => Promise<RunningRole>> = {
  serving: async (env, host) => {
    const { startServingWorker } = await import("@/workers/serving/serving-worker");
    const serving = await startServingWorker({
      redisUrl: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
      hostName: env.WORKER_HOST_NAME,
      devices: host.servesDevices,
      cacheDir: env.WORKER_CACHE_DIR,
      artifactSourceUrl: env.ARTIFACT_SOURCE_URL,
      artifactToken: env.WORKER_TOKEN,
      memoryBudgetMb: env.WORKER_MEMORY_BUDGET_MB,
      concurrency: env.WORKER_CONCURRENCY,
      maxBatchRows: env.WORKER_MAX_BATCH_ROWS,
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
    });
    const metrics =
      env.WORKER_METRICS_PORT === undefined
        ? null
        : await serveMetrics(serving.metrics.registry, {
            port: env.WORKER_METRICS_PORT,
            host: env.WORKER_METRICS_HOST,
          }).catch(async (error: Error) => {
            await serving.close();
            throw new Error(`WORKER_METRICS_PORT ${env.WORKER_METRICS_PORT}: ${error.message}`);
          });
    return {
      description: `serving: queues ${host.servesDevices.map((device) => `${bullPrefix(env.REDIS_KEY_PREFIX)}:${servingQueueName(device)}`).join(", ")}, concurrency ${env.WORKER_CONCURRENCY}, memory budget ${env.WORKER_MEMORY_BUDGET_MB} MB${metrics ? `, metrics on ${metrics.url}` : ""}`,
      async close() {
        await metrics?.close();
        await serving.close();
      },
    };
  },
  evaluation: async (env) => {
    const { startEvaluationWorker } = await import("@/workers/evaluation/evaluation-worker");
    const evaluation = await startEvaluationWorker({
      redisUrl: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
      hostName: env.WORKER_HOST_NAME,
      cacheDir: env.WORKER_CACHE_DIR,
      artifactSourceUrl: env.ARTIFACT_SOURCE_URL,
      artifactToken: env.WORKER_TOKEN,
      memoryBudgetMb: env.WORKER_MEMORY_BUDGET_MB,
    });
    return {
      description: `evaluation: queue ${bullPrefix(env.REDIS_KEY_PREFIX)}:${EVALUATION_QUEUE_NAME}, one evaluation at a time`,
      close: () => evaluation.close(),
    };
  },
  batch: async (env) => {
    const { startBatchWorker } = await import("@/workers/batch/batch-worker");
    const batch = await startBatchWorker({
      redisUrl: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
      hostName: env.WORKER_HOST_NAME,
      cacheDir: env.WORKER_CACHE_DIR,
      artifactSourceUrl: env.ARTIFACT_SOURCE_URL,
      artifactToken: env.WORKER_TOKEN,
      memoryBudgetMb: env.WORKER_MEMORY_BUDGET_MB,
      concurrency: env.WORKER_BATCH_CONCURRENCY,
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
      requeueIntervalMs: env.WORKER_BATCH_REQUEUE_INTERVAL_MS,
    });
    return {
      description: `batch: queue ${bullPrefix(env.REDIS_KEY_PREFIX)}:${BATCH_CHUNK_QUEUE_NAME} and its finalize queue, ${env.WORKER_BATCH_CONCURRENCY} chunk(s) at a time`,
      close: () => batch.close(),
    };
  },
  monitor: async (env) => {
    const { MONITOR_QUEUE_NAME, startMonitorWorker } = await import("@/workers/monitor/monitor-worker");
    const monitor = await startMonitorWorker({
      redisUrl: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
      everyMs: env.MONITOR_FOLD_INTERVAL_MS,
      samplesEveryMs: env.MONITOR_SAMPLES_INTERVAL_MS,
      retentionDays: env.PREDICTION_RETENTION_DAYS,
      driftEveryMs: env.MONITOR_DRIFT_INTERVAL_MS,
      canaryEveryMs: env.MONITOR_CANARY_INTERVAL_MS,
      alertsEveryMs: env.MONITOR_ALERTS_INTERVAL_MS,
    });
    return {
      description: `monitor: folds traffic counters into rollups every ${env.MONITOR_FOLD_INTERVAL_MS} ms, writes prediction samples every ${env.MONITOR_SAMPLES_INTERVAL_MS} ms, judges drift every ${env.MONITOR_DRIFT_INTERVAL_MS} ms, evaluates alert rules every ${env.MONITOR_ALERTS_INTERVAL_MS} ms, keeps them ${env.PREDICTION_RETENTION_DAYS} days (queue ${bullPrefix(env.REDIS_KEY_PREFIX)}:${MONITOR_QUEUE_NAME})`,
      close: () => monitor.close(),
    };
  },
  webhooks: async (env) => {
    const { startWebhookWorker } = await import("@/workers/webhooks/webhook-worker");
    const webhooks = await startWebhookWorker({
      redisUrl: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
      concurrency: env.WEBHOOK_CONCURRENCY,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retryDelaysMs: env.WEBHOOK_RETRY_DELAYS_MS,
      sweepIntervalMs: env.WEBHOOK_SWEEP_INTERVAL_MS,
    });
    const attempts = env.WEBHOOK_RETRY_DELAYS_MS.length + 1;
    return {
      description: `webhooks: queue ${bullPrefix(env.REDIS_KEY_PREFIX)}:${WEBHOOK_QUEUE_NAME}, ${env.WEBHOOK_CONCURRENCY} in flight, ${attempts} attempts of at most ${env.WEBHOOK_TIMEOUT_MS} ms, sweep every ${env.WEBHOOK_SWEEP_INTERVAL_MS} ms${env.WEBHOOK_SECRET_KEY ? "" : " (no WEBHOOK_SECRET_KEY: deliveries cannot be signed)"}`,
      close: () => webhooks.close(),
    };
  },
};

export interface RunningRoles {
  descriptions: string[];
  /** Closes every role at once, each finishing its active jobs; rejects if any close failed. */
  close(): Promise<void>;
}

/** Starts the roles in the order asked; if one cannot start, those already running are closed first. */
export async function startRoles(env: WorkerEnv, host: HostAgent): Promise<RunningRoles> {
  const running: RunningRole[] = [];
  try {
    for (const role of env.WORKER_ROLES) running.push(await ROLE_STARTERS[role](env, host));
  } catch (error) {
    await closeAll(running).catch(() => undefined);
    throw error;
  }
  return { descriptions: running.map((role) => role.description), close: () => closeAll(running) };
}

async function closeAll(roles: RunningRole[]): Promise<void> {
  const closed = await Promise.allSettled(roles.map((role) => role.close()));
  const failure = closed.find((result) => result.status === "rejected");
  if (failure) throw failure.reason;
}
