import { collectDefaultMetrics, type Registry } from "prom-client";
import { LATENCY_BOUNDS_US, PROMETHEUS_BOUNDS_US } from "@/server/domain/monitoring/latency-histogram";

/**
 * Histogram bounds of every duration Prometheus exports, in seconds (its base unit): the coarse
 * bounds of the rollups' own log-spaced buckets, so Grafana's percentiles and the console's agree.
 */
export const DURATION_BUCKETS_SECONDS: number[] = PROMETHEUS_BOUNDS_US.map((boundUs) => boundUs / 1e6);

/** Rows of a session run: powers of two up to the largest merged run a worker makes by default. */
export const ROWS_BUCKETS: number[] = Array.from({ length: 13 }, (_, index) => 2 ** index);

/**
 * prom-client's process and Node.js metrics, less three gauges whose names end in `_total`, which
 * `promtool check metrics` refuses for anything but a counter (the same counts are also exported
 * by type as nodejs_active_handles, nodejs_active_requests and nodejs_active_resources).
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of [
    "nodejs_active_handles_total",
    "nodejs_active_requests_total",
    "nodejs_active_resources_total",
  ])
    registry.removeSingleMetric(name);
}

/**
 * The Prometheus bucket of each fine bucket of latency-histogram.ts: Prometheus's bounds are every
 * fourth fine bound, so each fine bucket lies inside exactly one of them (the overflow in +Inf).
 */
const COARSE_OF_FINE: readonly number[] = Array.from({ length: LATENCY_BOUNDS_US.length + 1 }, (_, fine) => {
  if (fine === LATENCY_BOUNDS_US.length) return PROMETHEUS_BOUNDS_US.length;
  const coarse = PROMETHEUS_BOUNDS_US.findIndex((bound) => bound >= LATENCY_BOUNDS_US[fine]!);
  return coarse < 0 ? PROMETHEUS_BOUNDS_US.length : coarse;
});

/** Fine bucket counts (latency-histogram.ts) as counts in DURATION_BUCKETS_SECONDS, +Inf last. */
export function durationBucketsOf(fine: readonly number[]): number[] {
  const coarse = new Array<number>(PROMETHEUS_BOUNDS_US.length + 1).fill(0);
  fine.forEach((count, index) => {
    if (count !== 0) coarse[COARSE_OF_FINE[index]!]! += count;
  });
  return coarse;
}
