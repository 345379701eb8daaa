import os from "node:os";
import { z } from "zod";
import { MAX_HOST_COST_MICROS_PER_HOUR } from "@/server/domain/monitoring/cost";
import { DEFAULT_RETRY_DELAYS_MS, ZRetryDelaysMs } from "@/server/domain/webhooks/retry-schedule";
import { parseEnvironment, readEnv, type Env } from "@/server/env";

/** The roles a worker process can take; workers/roles.ts has a starter for each. */
export const WORKER_ROLE_NAMES = ["serving", "evaluation", "batch", "monitor", "webhooks"] as const;
export type WorkerRole = (typeof WORKER_ROLE_NAMES)[number];

const isWorkerRole = (name: string): name is WorkerRole =>
  (WORKER_ROLE_NAMES as readonly string[]).includes(name);

/** A comma list such as "serving,batch"; a name nobody registered stops the process at boot. */
const ZWorkerRoles = z
  .string()
  .default("serving")
  .transform((raw, ctx): WorkerRole[] => {
    const names = raw
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name.length > 0);
    const unknown = names.filter((name) => !isWorkerRole(name));
    const known = `known roles: ${WORKER_ROLE_NAMES.join(", ")}`;
    if (unknown.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `unknown role ${unknown.map((name) => `'${name}'`).join(", ")} in '${raw}'; ${known}`,
      });
      return z.NEVER;
    }
    if (names.length === 0) {
      ctx.addIssue({ code: "custom", message: `'${raw}' names no role; ${known}` });
      return z.NEVER;
    }
    return [...new Set(names.filter(isWorkerRole))];
  });

/** Variables only the worker process reads, on top of server/env.ts. */
const ZWorkerEnv = z.object({
  /** Which roles this process runs, e.g. "serving" (the default) or "serving,evaluation". */
  WORKER_ROLES: ZWorkerRoles,
  WORKER_HOST_NAME: z.string().min(1).default(os.hostname()),
  WORKER_DEVICE: z.enum(["cpu", "cuda"]).default("cpu"),
  WORKER_CACHE_DIR: z.string().min(1).default("./data/worker-cache"),
  /** The web app that serves GET /api/artifacts/<sha256>. */
  ARTIFACT_SOURCE_URL: z.string().url().default("http://127.0.0.1:3000"),
  WORKER_MEMORY_BUDGET_MB: z.coerce.number().int().positive().default(4096),
  WORKER_CONCURRENCY: z.coerce.number().int().positive().default(64),
  WORKER_COST_MICROS_PER_HOUR: z.coerce
    .number()
    .int()
    .nonnegative()
    .max(MAX_HOST_COST_MICROS_PER_HOUR, {
      error: `over $10,000 an hour (${MAX_HOST_COST_MICROS_PER_HOUR} micro-dollars); the price is in micro-dollars per hour`,
    })
    .default(0),
  /** The monitor role folds the live counters into rollups this often. */
  MONITOR_FOLD_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  /** How often the monitor moves sampled predictions from Redis to Postgres. */
  MONITOR_SAMPLES_INTERVAL_MS: z.coerce.number().int().min(100).default(1_000),
  /** How often the monitor looks at running canary analyses (each acts once per its own interval). */
  MONITOR_CANARY_INTERVAL_MS: z.coerce.number().int().min(1_000).default(15_000),
  /** How often the monitor judges each deployment's open drift window again. */
  MONITOR_DRIFT_INTERVAL_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** How often the monitor evaluates every enabled alert rule. */
  MONITOR_ALERTS_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** Prediction samples older than this are deleted (hourly). */
  PREDICTION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  WORKER_MAX_BATCH_ROWS: z.coerce.number().int().positive().default(1024),
  /**
   * BullMQ lock of an active job: a killed worker's job is picked up again after it expires.
   * Serving jobs last milliseconds, so a short lock lets a job lost with its worker run again
   * well within the gateway's 30 s request deadline (lock + stalled check ≈ 15 s).
   */
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().positive().default(10_000),
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().positive().default(5_000),
  /** Batch chunks one process runs at once: each keeps one session thread busy (workers/batch). */
  WORKER_BATCH_CONCURRENCY: z.coerce.number().int().positive().default(1),
  /**
   * How often a batch worker looks for running jobs whose round Redis no longer holds (a restart
   * without its data) and queues them again; also the age a job must have to be looked at.
   */
  WORKER_BATCH_REQUEUE_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * Port of the serving worker's Prometheus endpoint (GET /metrics); unset, none is served. 0
   * takes a free port (the startup log names it).
   */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Address the metrics endpoint listens on: 0.0.0.0 in a container that Prometheus scrapes. */
  WORKER_METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  /** The webhooks role: how long one POST to a receiver may take, connect to answer. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** The webhooks role: waits between attempts (a comma list); their count + 1 is the attempts. */
  WEBHOOK_RETRY_DELAYS_MS: ZRetryDelaysMs.default([...DEFAULT_RETRY_DELAYS_MS]),
  /** The webhooks role: how often it looks for pending deliveries whose job was lost. */
  WEBHOOK_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  /** The webhooks role: attempts in flight at once (each mostly waits on a receiver). */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().positive().default(16),
});
export type WorkerEnv = Env & z.infer<typeof ZWorkerEnv>;

let workerEnv: WorkerEnv | undefined;

/** server/env.ts plus the worker's own variables, parsed once per process like readEnv. */
export function readWorkerEnv(): WorkerEnv {
  workerEnv ??= { ...readEnv(), ...parseEnvironment(ZWorkerEnv) };
  return workerEnv;
}
