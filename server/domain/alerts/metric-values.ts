import type { AlertMetric } from "@/server/domain/alerts/alert-rule";
import { costPerCallMicros } from "@/server/domain/monitoring/cost";
import { percentileUs } from "@/server/domain/monitoring/latency-histogram";
import type { RollupCounts } from "@/server/domain/monitoring/rollup-counts";

export const ROLLUP_METRICS = [
  "latency_p95_ms",
  "latency_p99_ms",
  "error_rate",
  "cost_per_1k_calls_micros",
] as const satisfies readonly AlertMetric[];
export const DRIFT_METRICS = [
  "drift_share",
  "drift_score_max",
  "output_drift_score_max",
  "missing_share_max",
] as const satisfies readonly AlertMetric[];
export const QUALITY_METRICS = [
  "realized_roc_auc",
  "estimated_roc_auc",
] as const satisfies readonly AlertMetric[];

export type RollupMetric = (typeof ROLLUP_METRICS)[number];
export type DriftMetric = (typeof DRIFT_METRICS)[number];
export type QualityMetric = (typeof QUALITY_METRICS)[number];

export const isRollupMetric = (metric: AlertMetric): metric is RollupMetric =>
  (ROLLUP_METRICS as readonly string[]).includes(metric);
export const isDriftMetric = (metric: AlertMetric): metric is DriftMetric =>
  (DRIFT_METRICS as readonly string[]).includes(metric);
export const isQualityMetric = (metric: AlertMetric): metric is QualityMetric =>
  (QUALITY_METRICS as readonly string[]).includes(metric);

/**
 * A rollup metric over a window's summed counts (primary and shadow requests alike: both cost and
 * both answer late); null when no request was counted. The error rate leaves out bad input: a
 * caller sending garbage is not the deployment failing.
 */
export function rollupMetricValue(metric: RollupMetric, counts: RollupCounts): number | null {
  if (counts.requests === 0) return null;
  switch (metric) {
    case "latency_p95_ms":
    case "latency_p99_ms": {
      const us = percentileUs(counts.latency, metric === "latency_p95_ms" ? 0.95 : 0.99);
      return us === null ? null : us / 1000;
    }
    case "error_rate": {
      const { badInput: _badInput, ...served } = counts.errors as Record<string, number>;
      const errors = Object.values(served).reduce((sum, count) => sum + count, 0);
      return errors / counts.requests;
    }
    case "cost_per_1k_calls_micros": {
      const perCall = costPerCallMicros(counts.allocatedCostMicros, counts.requests);
      return perCall === null ? null : perCall * 1000;
    }
  }
}

/** The parts of a drift report (server/services/drift/drift-report-body.ts) the metrics read. */
export interface DriftReportFigures {
  dataset: { driftedShare: number | null };
  features: { psi: number | null; quality: { missingShare: number } }[];
  outputs: { psi: number | null }[];
}

/**
 * A drift metric of the newest window's reports (one per version that served): the worst version
 * counts, so a canary drifting alone still alerts; null when no report is there to read.
 */
export function driftMetricValue(metric: DriftMetric, reports: readonly DriftReportFigures[]): number | null {
  const values = reports.flatMap((report): number[] => {
    if (metric === "drift_share")
      return report.dataset.driftedShare === null ? [] : [report.dataset.driftedShare];
    if (metric === "drift_score_max" || metric === "output_drift_score_max")
      return (metric === "drift_score_max" ? report.features : report.outputs).flatMap((column) =>
        column.psi === null ? [] : [column.psi],
      );
    return report.features.map((feature) => feature.quality.missingShare);
  });
  return values.length === 0 ? null : Math.max(...values);
}

/** The lowest quality among versions (each its newest figure in the window): the one to worry about. */
export function qualityMetricValue(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : Math.min(...known);
}
