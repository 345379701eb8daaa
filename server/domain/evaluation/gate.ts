import { METRIC_DIRECTIONS, METRIC_NAMES, type EvaluationMetrics, type MetricName } from "./metric-names";

/** A metric on which the candidate is worse than the baseline by more than the margin, or missing. */
export interface GateFailure {
  metric: MetricName;
  /** null: the candidate has no value for a metric the baseline has. */
  candidate: number | null;
  baseline: number;
}

// Margins and metrics are decimals stored as doubles: 0.83 - 0.82 is 0.010000000000000009, which
// must not fail a margin of 0.01.
const ROUNDING_TOLERANCE = 1e-12;

/**
 * The metrics where `candidate` is worse than `baseline` by more than `margin` (absolute, in the
 * metric's own unit), in METRIC_NAMES order. A metric the baseline has no value for cannot
 * regress and is skipped; one only the baseline has fails, since nothing shows it held.
 */
export function gateFailures(
  candidate: EvaluationMetrics,
  baseline: EvaluationMetrics,
  margin: number,
): GateFailure[] {
  const failures: GateFailure[] = [];
  for (const metric of METRIC_NAMES) {
    const base = baseline[metric];
    if (base === undefined || base === null) continue;
    const value = candidate[metric];
    if (value === undefined || value === null) {
      failures.push({ metric, candidate: null, baseline: base });
      continue;
    }
    const worseBy = METRIC_DIRECTIONS[metric] === "higher" ? base - value : value - base;
    if (worseBy > margin + ROUNDING_TOLERANCE) failures.push({ metric, candidate: value, baseline: base });
  }
  return failures;
}

/** "roc_auc 0.674 (v1: 0.829)" for each failure, joined: what a refused promotion names. */
export function describeGateFailures(failures: GateFailure[], baselineLabel: string): string {
  return failures
    .map(({ metric, candidate, baseline }) =>
      candidate === null
        ? `${metric} not measured (${baselineLabel}: ${formatMetric(baseline)})`
        : `${metric} ${formatMetric(candidate)} (${baselineLabel}: ${formatMetric(baseline)})`,
    )
    .join(", ");
}

/** Four significant decimals are what a reader compares; the stored value keeps them all. */
export function formatMetric(value: number): string {
  return String(Number(value.toPrecision(4)));
}
