import { z } from "zod";
import { CHART_RANGES } from "@/server/domain/monitoring/chart-points";
import { BATCH_RELEASE_REASONS, ERROR_KINDS, SERVING_ROLES } from "@/server/contracts/live-counters";

/**
 * What the monitoring API answers: the deployment page's charts and the overview. Producer: the
 * `monitoring` tRPC router (server/services/monitoring). Consumers: the console's pages and the
 * CLI. Kept stable: pages are built against these shapes. Times are epoch milliseconds, durations
 * µs, money micro-dollars (stored sums are integers; per-call figures are ratios and fractional).
 */

export { CHART_RANGES, type ChartRange } from "@/server/domain/monitoring/chart-points";

export const ZChartRange = z.enum(CHART_RANGES, {
  error: `range must be one of ${CHART_RANGES.join(", ")}`,
});

export const ZDeploymentChartsInput = z.object({ name: z.string().min(1), range: ZChartRange });

const countsOf = <K extends string, V extends z.ZodType>(keys: readonly K[], value: V) =>
  z.object(Object.fromEntries(keys.map((key) => [key, value])) as Record<K, V>);

const ZCount = z.number().int().nonnegative();
const ZErrorCounts = countsOf(ERROR_KINDS, ZCount);
/** Share (0..1) of the bucket's requests that failed with each kind; null without requests. */
const ZErrorRates = countsOf(ERROR_KINDS, z.number().nullable());
const ZReleaseCounts = countsOf(BATCH_RELEASE_REASONS, ZCount);

/** One bucket of one version in one role. */
export const ZRoleChartPoint = z.object({
  bucketStartMs: z.number().int(),
  /** The bucket is still open (the current minute, five minutes or hour): its numbers will grow. */
  incomplete: z.boolean(),
  requests: ZCount,
  requestsPerSecond: z.number(),
  okRequests: ZCount,
  errors: ZErrorCounts,
  errorRates: ZErrorRates,
  /** Of the ok requests, end to end; from the summed histogram, so within one bucket (~19%). */
  latencyP50Us: z.number().nullable(),
  latencyP95Us: z.number().nullable(),
  latencyP99Us: z.number().nullable(),
  meanLatencyUs: z.number().nullable(),
  /** Of the requests that reached a worker. */
  meanQueueWaitUs: z.number().nullable(),
  meanComputeUs: z.number().nullable(),
});

/** A version's traffic in one role: `shadow` series are copies no caller waits for; draw them apart. */
export const ZRoleSeries = z.object({
  versionNumber: z.number().int(),
  role: z.enum(SERVING_ROLES),
  points: z.array(ZRoleChartPoint),
});

/**
 * One bucket of one version, whatever role it served in: jobs and session runs carry both roles'
 * requests, and a replica's cost is its whole time, so these are per version, not per role.
 */
export const ZVersionChartPoint = z.object({
  bucketStartMs: z.number().int(),
  incomplete: z.boolean(),
  /** Requests in every role (what the cost per call divides by). */
  requests: ZCount,
  jobs: ZReleaseCounts,
  runs: ZCount,
  rowsPerRun: z.number().nullable(),
  /** Replica time times the host's price, idle time included, and the part spent computing. */
  allocatedCostMicros: z.number().int().nonnegative(),
  busyCostMicros: z.number().int().nonnegative(),
  allocatedCostPerCallMicros: z.number().nullable(),
  busyCostPerCallMicros: z.number().nullable(),
  /** Busy over allocated time (0..1 when a replica runs one session at a time). */
  utilization: z.number().nullable(),
  /** Target cost per call minus the allocated cost per call (positive: under target). */
  targetMarginPerCallMicros: z.number().nullable(),
  /** Revenue per call minus the allocated cost per call. */
  revenueMarginPerCallMicros: z.number().nullable(),
});

export const ZVersionSeries = z.object({
  versionNumber: z.number().int(),
  /** The roles the version served in over the range, e.g. ["shadow"] for a shadow. */
  roles: z.array(z.enum(SERVING_ROLES)),
  points: z.array(ZVersionChartPoint),
});

/** A deployment's unit economics; money per 1,000 calls so that fractions of a micro-dollar count. */
export const ZDeploymentEconomics = z.object({
  targetCostMicrosPer1kCalls: z.number().int().nullable(),
  revenueMicrosPer1kCalls: z.number().int().nullable(),
});
export type DeploymentEconomics = z.output<typeof ZDeploymentEconomics>;

export const ZDeploymentChartsOutput = z.object({
  name: z.string(),
  range: ZChartRange,
  /** Width of one point: 60 s (1h), 5 min (24h), 1 h (7d, 30d). */
  bucketMs: z.number().int(),
  /** First bucket's start and the end of the last (open) bucket. */
  fromMs: z.number().int(),
  toMs: z.number().int(),
  economics: ZDeploymentEconomics,
  series: z.array(ZRoleSeries),
  versions: z.array(ZVersionSeries),
});
export type DeploymentChartsOutput = z.output<typeof ZDeploymentChartsOutput>;

/**
 * One version in one role over the range: how long its answers take beside the model's own
 * session runs (the worker's timing of onnxruntime), so the milliseconds the server adds show.
 */
export const ZVersionOverhead = z.object({
  versionNumber: z.number().int(),
  /** `shadow`: copies no caller waits for; their answers are the shadow's completions. */
  role: z.enum(SERVING_ROLES),
  requests: ZCount,
  runs: ZCount,
  rowsPerRun: z.number().nullable(),
  /** p50s from the summed histograms, each within one bucket (~19%) of the exact value. */
  runP50Us: z.number().nullable(),
  answeredP50Us: z.number().nullable(),
  queueWaitP50Us: z.number().nullable(),
  /** answeredP50Us minus runP50Us, and that over answeredP50Us. */
  addedUs: z.number().nullable(),
  addedShare: z.number().nullable(),
});

export const ZDeploymentOverheadOutput = z.object({
  name: z.string(),
  range: ZChartRange,
  fromMs: z.number().int(),
  toMs: z.number().int(),
  /** By version number, primary before shadow; only versions and roles with requests in the range. */
  versions: z.array(ZVersionOverhead),
});
export type DeploymentOverheadOutput = z.output<typeof ZDeploymentOverheadOutput>;

/**
 * - unserved: no active revision; idle: served, no request in the window;
 * - healthy / degraded / failing: by the share of errors that are the service's (not bad input).
 */
export const DEPLOYMENT_HEALTH = ["unserved", "idle", "healthy", "degraded", "failing"] as const;

export const ZDeploymentOverview = z.object({
  name: z.string(),
  modelName: z.string(),
  environment: z.enum(["staging", "production"]),
  health: z.enum(DEPLOYMENT_HEALTH),
  /** Over the last hour, callers' (primary) requests only. */
  windowMs: z.number().int(),
  requests: ZCount,
  requestsPerSecond: z.number(),
  /** Every error kind over requests; null without requests. */
  errorRate: z.number().nullable(),
  /** Errors other than bad input over requests: what the health follows. */
  serviceErrorRate: z.number().nullable(),
  latencyP99Us: z.number().nullable(),
  /** Everything the deployment's versions cost (shadows included) per 1,000 callers' requests. */
  allocatedCostMicrosPer1kCalls: z.number().nullable(),
  busyCostMicrosPer1kCalls: z.number().nullable(),
  /** The latest audit event on the deployment (a revision, a settings change, ...). */
  lastChange: z.object({ action: z.string(), actor: z.string(), atMs: z.number().int() }).nullable(),
});
export const ZMonitoringOverviewOutput = z.array(ZDeploymentOverview);
export type MonitoringOverviewOutput = z.output<typeof ZMonitoringOverviewOutput>;

/** $1,000 per call: above it a price is a typo (micro-dollars for dollars), not a business. */
export const MAX_MICROS_PER_1K_CALLS = 1_000 * 1_000_000 * 1_000;

const ZPricePer1kCalls = (what: string) =>
  z
    .number({ error: `the ${what} must be a whole number of micro-dollars per 1,000 calls, or null` })
    .int({ error: `the ${what} must be a whole number of micro-dollars per 1,000 calls` })
    .min(0, { error: `the ${what} cannot be negative` })
    .max(MAX_MICROS_PER_1K_CALLS, {
      error: `the ${what} is over $1,000 per call (${MAX_MICROS_PER_1K_CALLS} micro-dollars per 1,000 calls); check the unit`,
    })
    .nullable();

/** deployment.setEconomics: null clears a figure. */
export const ZSetDeploymentEconomicsInput = z.object({
  name: z.string().min(1),
  economics: z.object({
    targetCostMicrosPer1kCalls: ZPricePer1kCalls("target cost"),
    revenueMicrosPer1kCalls: ZPricePer1kCalls("revenue"),
  }),
});
export const ZSetDeploymentEconomicsOutput = ZDeploymentEconomics;
