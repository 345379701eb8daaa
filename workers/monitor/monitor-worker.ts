import { Queue, Worker } from "bullmq";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, logRedisErrors } from "@/server/contracts/redis-connections";
import { getLogger, type Logger } from "@/server/logger";
import { isDatabaseUnavailable } from "@/server/services/prisma-errors";
import { foldTraffic, type FoldReport } from "@/server/services/monitoring/fold-traffic";
import { HEARTBEAT_INTERVAL_MS } from "@/workers/host";

/** The monitor's own queue: it schedules its ticks and consumes them, nothing else uses it. */
export const MONITOR_QUEUE_NAME = "monitor";
const FOLD_SCHEDULER_ID = "fold-traffic";

export interface MonitorWorkerOptions {
  redisUrl: string;
  keyPrefix: string;
  /** How often the counters are folded (the charts' delay for closed minutes). */
  everyMs: number;
  log?: Logger;
}

export interface MonitorWorker {
  close(): Promise<void>;
}

/**
 * The monitor role: a BullMQ job scheduler makes a fold job every `everyMs` (one schedule however
 * many monitors run: upsertJobScheduler is keyed by id), and a worker of concurrency 1 runs it.
 * A fold that fails (Redis or Postgres down) fails its job only: the next tick folds the same
 * minutes again, since the fold is idempotent and minutes stay due until a fold succeeds.
 */
export async function startMonitorWorker(options: MonitorWorkerOptions): Promise<MonitorWorker> {
  const log = options.log ?? getLogger().child({ component: "monitor" });
  const prefix = bullPrefix(options.keyPrefix);
  // Consumer profile for the queue too: started while Redis is down, it waits instead of failing.
  const queueConnection = connectRedis("consumer", options.redisUrl);
  const queue = new Queue(MONITOR_QUEUE_NAME, { connection: queueConnection, prefix });
  logRedisErrors(queue, { component: "monitor", queue: MONITOR_QUEUE_NAME });
  await queue.upsertJobScheduler(
    FOLD_SCHEDULER_ID,
    { every: options.everyMs },
    { name: FOLD_SCHEDULER_ID, opts: { removeOnComplete: 100, removeOnFail: 100, attempts: 1 } },
  );
  const connection = connectRedis("consumer", options.redisUrl);
  // Counters are read and marked with plain commands that fail fast: a tick does not hang.
  const counters = connectRedis("command", options.redisUrl, { keyPrefix: options.keyPrefix });
  const worker = new Worker<unknown, FoldReport>(
    MONITOR_QUEUE_NAME,
    () => foldTraffic({ redis: counters, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS }),
    { connection, prefix, concurrency: 1 },
  );
  logRedisErrors(worker, { component: "monitor", queue: MONITOR_QUEUE_NAME });
  let lastFailureLoggedMs = 0;
  worker.on("failed", (_job, error) => {
    // While a dependency is down every tick fails the same way: a line per 10 s is enough.
    if (Date.now() - lastFailureLoggedMs < 10_000) return;
    lastFailureLoggedMs = Date.now();
    const outage = isDatabaseUnavailable(error) ? "Postgres is unavailable" : "the fold failed";
    log.warn({ err: error }, `${outage}; the next tick folds the same minutes again`);
  });
  worker.on("completed", (_job, report) => {
    if (report.minutesFolded > 0 || report.hoursFolded > 0) log.debug(report, "traffic folded");
  });
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await queue.close();
      for (const redis of [connection, queueConnection, counters])
        await redis.quit().catch(() => redis.disconnect());
    },
  };
}
