import { percentilesUs } from "@/server/domain/monitoring/latency-histogram";
import { costPerCallMicros, marginPerCallMicros, utilizationOf } from "@/server/domain/monitoring/cost";
import type { RollupCounts } from "@/server/domain/monitoring/rollup-counts";

/** The chart ranges the API offers (server/contracts/monitoring-api.ts validates with these). */
export const CHART_RANGES = ["1h", "24h", "7d", "30d"] as const;
export type ChartRange = (typeof CHART_RANGES)[number];

/** A deployment's unit economics, per 1,000 calls so that fractions of a micro-dollar count. */
export interface UnitEconomics {
  targetCostMicrosPer1kCalls: number | null;
  revenueMicrosPer1kCalls: number | null;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

export const FIVE_MINUTES_MS = 5 * MINUTE_MS;

/**
 * Which rows a range reads and how wide its points are. 24 hours of minutes would be 1,440 points
 * per line, more than a chart has pixels (and rows to parse): five-minute points read the
 * five-minute rows the monitor sums from the minutes.
 */
export const CHART_PLANS = {
  "1h": { granularity: "minute", bucketMs: MINUTE_MS, points: 60 },
  "24h": { granularity: "fiveMinute", bucketMs: FIVE_MINUTES_MS, points: 288 },
  "7d": { granularity: "hour", bucketMs: HOUR_MS, points: 168 },
  "30d": { granularity: "hour", bucketMs: HOUR_MS, points: 720 },
} as const satisfies Record<ChartRange, { granularity: RollupGranularity; bucketMs: number; points: number }>;

export type RollupGranularity = "minute" | "fiveMinute" | "hour";

export interface ChartWindow {
  granularity: RollupGranularity;
  bucketMs: number;
  /** Start of the first point; the last point is the open one, ending at toMs. */
  fromMs: number;
  toMs: number;
  openBucketStartMs: number;
  /**
   * Rows of the plan's granularity cover [fromMs, coarseRowsUntilMs); minute rows the rest: the
   * open bucket and the one before, which the monitor may not have summed yet (it waits for late
   * counters).
   */
  coarseRowsUntilMs: number;
  openMinuteStartMs: number;
}

export function chartWindowOf(range: ChartRange, nowMs: number): ChartWindow {
  const plan = CHART_PLANS[range];
  const openBucketStartMs = bucketStartOf(nowMs, plan.bucketMs);
  const fromMs = openBucketStartMs - (plan.points - 1) * plan.bucketMs;
  const openMinuteStartMs = bucketStartOf(nowMs, MINUTE_MS);
  return {
    granularity: plan.granularity,
    bucketMs: plan.bucketMs,
    fromMs,
    toMs: openBucketStartMs + plan.bucketMs,
    openBucketStartMs,
    coarseRowsUntilMs:
      plan.granularity === "minute" ? fromMs : Math.max(fromMs, openBucketStartMs - plan.bucketMs),
    openMinuteStartMs,
  };
}

export function bucketStartOf(timeMs: number, bucketMs: number): number {
  return Math.floor(timeMs / bucketMs) * bucketMs;
}

/** Every point's start, oldest first. */
export function bucketStarts(window: ChartWindow): number[] {
  return Array.from(
    { length: (window.toMs - window.fromMs) / window.bucketMs },
    (_, index) => window.fromMs + index * window.bucketMs,
  );
}

/** Seconds a bucket has covered: its width, or the part already past for the open one. */
function coveredSeconds(bucketStartMs: number, bucketMs: number, nowMs: number): number {
  return Math.max(1, Math.min(bucketMs, nowMs - bucketStartMs)) / 1000;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

function mapValues<K extends string, T>(record: Record<K, number>, map: (value: number) => T): Record<K, T> {
  return Object.fromEntries(
    Object.entries<number>(record).map(([key, value]) => [key, map(value)]),
  ) as Record<K, T>;
}

export function rolePointOf<E extends string>(
  counts: RollupCounts<E>,
  bucketStartMs: number,
  { bucketMs, nowMs }: { bucketMs: number; nowMs: number },
) {
  const incomplete = bucketStartMs + bucketMs > nowMs;
  const [latencyP50Us, latencyP95Us, latencyP99Us] = percentilesUs(counts.latency, [0.5, 0.95, 0.99]);
  return {
    bucketStartMs,
    incomplete,
    requests: counts.requests,
    // Per second of the time covered, so the open bucket does not dip for being half over.
    requestsPerSecond: counts.requests / coveredSeconds(bucketStartMs, bucketMs, nowMs),
    okRequests: counts.okRequests,
    errors: { ...counts.errors },
    errorRates: mapValues(counts.errors, (errors) => ratio(errors, counts.requests)),
    latencyP50Us: latencyP50Us ?? null,
    latencyP95Us: latencyP95Us ?? null,
    latencyP99Us: latencyP99Us ?? null,
    meanLatencyUs: ratio(counts.latencySumUs, counts.okRequests),
    meanQueueWaitUs: ratio(counts.queueWaitSumUs, counts.ranRequests),
    meanComputeUs: ratio(counts.computeSumUs, counts.ranRequests),
  };
}

/** A version's point from its rows of every role summed (requests of both roles). */
export function versionPointOf<J extends string>(
  counts: RollupCounts<string, J>,
  bucketStartMs: number,
  { bucketMs, nowMs, economics }: { bucketMs: number; nowMs: number; economics: UnitEconomics },
) {
  const allocatedCostPerCall = costPerCallMicros(counts.allocatedCostMicros, counts.requests);
  return {
    bucketStartMs,
    incomplete: bucketStartMs + bucketMs > nowMs,
    requests: counts.requests,
    jobs: { ...counts.jobs },
    runs: counts.runs,
    rowsPerRun: ratio(counts.runRowsSum, counts.runs),
    allocatedCostMicros: counts.allocatedCostMicros,
    busyCostMicros: counts.busyCostMicros,
    allocatedCostPerCallMicros: allocatedCostPerCall,
    busyCostPerCallMicros: costPerCallMicros(counts.busyCostMicros, counts.requests),
    utilization: utilizationOf(counts.busyComputeUs, counts.allocatedUs),
    targetMarginPerCallMicros: marginPerCallMicros(
      economics.targetCostMicrosPer1kCalls,
      allocatedCostPerCall,
    ),
    revenueMarginPerCallMicros: marginPerCallMicros(economics.revenueMicrosPer1kCalls, allocatedCostPerCall),
  };
}
