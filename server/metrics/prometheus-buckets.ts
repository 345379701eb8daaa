import { PROMETHEUS_BOUNDS_US } from "@/server/domain/monitoring/latency-histogram";

/**
 * Histogram bounds of every duration Prometheus exports, in seconds (its base unit): the coarse
 * bounds of the rollups' own log-spaced buckets, so Grafana's percentiles and the console's agree.
 */
export const DURATION_BUCKETS_SECONDS: number[] = PROMETHEUS_BOUNDS_US.map((boundUs) => boundUs / 1e6);

/** Rows of a session run: powers of two up to the largest merged run a worker makes by default. */
export const ROWS_BUCKETS: number[] = Array.from({ length: 13 }, (_, index) => 2 ** index);
