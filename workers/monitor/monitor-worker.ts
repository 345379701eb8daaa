import os from "node:os";
import { Queue, Worker, type Job } from "bullmq";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import { getLogger, type Logger } from "@/server/logger";
import { isDatabaseUnavailable } from "@/server/services/prisma-errors";
import { advanceCanaryAnalyses } from "@/server/services/canary/advance-canary-analyses";
import { SERVING_DEVICES, servingQueueName, type ServingDevice } from "@/server/contracts/serving";
import { evaluateAlertRules } from "@/server/services/alert/evaluate-alert-rules";
import { computeDueDriftReports } from "@/server/services/drift/compute-due-drift-reports";
import { foldTraffic, type FoldReport } from "@/server/services/monitoring/fold-traffic";
import { prunePredictionSamples } from "@/server/services/prediction-log/prune-prediction-samples";
import { writePredictionSamples } from "@/server/services/prediction-log/write-prediction-samples";
import { HEARTBEAT_INTERVAL_MS } from "@/workers/host";

/** The monitor's own queue: it schedules its ticks and consumes them, nothing else uses it. */
export const MONITOR_QUEUE_NAME = "monitor";
const FOLD_SCHEDULER_ID = "fold-traffic";
const SAMPLES_SCHEDULER_ID = "write-prediction-samples";
const PRUNE_SCHEDULER_ID = "prune-prediction-samples";
const DRIFT_SCHEDULER_ID = "drift-reports";
const CANARY_SCHEDULER_ID = "canary-analysis";
const ALERTS_SCHEDULER_ID = "alerts";
const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface MonitorWorkerOptions {
  redisUrl: string;
  keyPrefix: string;
  /** How often the counters are folded (the charts' delay for closed minutes). */
  everyMs: number;
  /** How often sampled predictions move from the Redis stream to Postgres. */
  samplesEveryMs: number;
  /** Prediction samples older than this many days are deleted, hourly. */
  retentionDays: number;
  /** How often the open drift window of each deployment is judged again. */
  driftEveryMs: number;
  /** How often running canary analyses are looked at (each acts once per its own interval). */
  canaryEveryMs: number;
  /** How often every enabled alert rule is evaluated. */
  alertsEveryMs: number;
  log?: Logger;
}

export interface MonitorWorker {
  close(): Promise<void>;
}

/**
 * The monitor role: BullMQ job schedulers make its ticks (one schedule each however many monitors
 * run: upsertJobScheduler is keyed by id), and a worker of concurrency 1 runs them: the fold every
 * `everyMs`, the prediction log's move to Postgres every `samplesEveryMs`, drift reports every
 * `driftEveryMs`, canary analyses every `canaryEveryMs`, alert rules every `alertsEveryMs`, the
 * log's retention hourly.
 * A tick that fails (Redis or Postgres down) fails its job only: the next one does the same work
 * again, since the fold is idempotent and samples are acknowledged only once written.
 */
export async function startMonitorWorker(options: MonitorWorkerOptions): Promise<MonitorWorker> {
  const log = options.log ?? getLogger().child({ component: "monitor" });
  const prefix = bullPrefix(options.keyPrefix);
  // Consumer profile for the queue too: started while Redis is down, it waits instead of failing.
  const queueConnection = connectRedis("consumer", options.redisUrl);
  const queue = new Queue(MONITOR_QUEUE_NAME, { connection: queueConnection, prefix });
  logRedisErrors(queue, { component: "monitor", queue: MONITOR_QUEUE_NAME });
  const schedules: [id: string, everyMs: number][] = [
    [FOLD_SCHEDULER_ID, options.everyMs],
    [SAMPLES_SCHEDULER_ID, options.samplesEveryMs],
    [PRUNE_SCHEDULER_ID, PRUNE_EVERY_MS],
    [DRIFT_SCHEDULER_ID, options.driftEveryMs],
    [CANARY_SCHEDULER_ID, options.canaryEveryMs],
    [ALERTS_SCHEDULER_ID, options.alertsEveryMs],
  ];
  for (const [id, everyMs] of schedules)
    await queue.upsertJobScheduler(
      id,
      { every: everyMs },
      { name: id, opts: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 } },
    );
  const connection = connectRedis("consumer", options.redisUrl);
  // Counters are read and marked with plain commands that fail fast: a tick does not hang.
  const counters = connectRedis("command", options.redisUrl, { keyPrefix: options.keyPrefix });
  const consumer = `${os.hostname()}-${process.pid}`;
  // queue_depth rules read the serving queues' waiting jobs, through the queue connection.
  const servingQueues = new Map(
    SERVING_DEVICES.map((device) => [
      device,
      new Queue(servingQueueName(device), { connection: queueConnection, prefix }),
    ]),
  );
  const alertReaders = {
    queueDepth: (device: ServingDevice) => servingQueues.get(device)!.getWaitingCount(),
  };
  const tick = async (job: Job): Promise<FoldReport | null> => {
    if (job.name === SAMPLES_SCHEDULER_ID) {
      await writePredictionSamples({ redis: counters, consumer });
      return null;
    }
    if (job.name === CANARY_SCHEDULER_ID) {
      await advanceCanaryAnalyses();
      return null;
    }
    if (job.name === DRIFT_SCHEDULER_ID) {
      await computeDueDriftReports();
      return null;
    }
    if (job.name === ALERTS_SCHEDULER_ID) {
      const report = await evaluateAlertRules(alertReaders);
      if (report.fired > 0 || report.resolved > 0 || report.failed > 0)
        log.info(report, "alert rules evaluated");
      return null;
    }
    if (job.name === PRUNE_SCHEDULER_ID) {
      await prunePredictionSamples({ retentionDays: options.retentionDays });
      return null;
    }
    return foldTraffic({ redis: counters, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS });
  };
  const worker = new Worker<unknown, FoldReport | null>(MONITOR_QUEUE_NAME, tick, {
    connection,
    prefix,
    concurrency: 1,
  });
  logRedisErrors(worker, { component: "monitor", queue: MONITOR_QUEUE_NAME });
  let lastFailureLoggedMs = 0;
  worker.on("failed", (job, error) => {
    // While a dependency is down every tick fails the same way: a line per 10 s is enough.
    if (Date.now() - lastFailureLoggedMs < 10_000) return;
    lastFailureLoggedMs = Date.now();
    const outage = isDatabaseUnavailable(error)
      ? "Postgres is unavailable"
      : `${job?.name ?? "a tick"} failed`;
    log.warn({ err: error }, `${outage}; the next tick does the same work again`);
  });
  worker.on("completed", (_job, report) => {
    if (report && (report.minutesFolded > 0 || report.hoursFolded > 0)) log.debug(report, "traffic folded");
  });
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await queue.close();
      for (const servingQueue of servingQueues.values()) await servingQueue.close();
      for (const redis of [connection, queueConnection, counters])
        await redis.quit().catch(() => redis.disconnect());
    },
  };
}
