/** Quality metrics people compare first; the rest follow alphabetically. */
const LEADING_METRICS = ["auc", "accuracy", "f1", "precision", "recall", "logLoss", "rmse", "mae", "r2"];

export function orderMetricNames(names: string[]): string[] {
  const rank = (name: string) => {
    const index = LEADING_METRICS.indexOf(name);
    return index === -1 ? LEADING_METRICS.length : index;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Metrics where a smaller value is the better model; for every other metric, larger is better. */
const LOWER_IS_BETTER = new Set(["logLoss", "rmse", "mae", "mse", "latencyMs", "maxAbsDiff"]);

export interface MetricComparison {
  name: string;
  candidate: number;
  production: number;
  /** candidate - production */
  delta: number;
  /** Whether the candidate is better on this metric; null when they are equal. */
  better: boolean | null;
}

/**
 * A version's registered metrics beside the production version's, for the metrics both have, in
 * the order people read them in: what a person should see before moving traffic to it.
 */
export function compareMetrics(
  candidate: Record<string, number>,
  production: Record<string, number>,
): MetricComparison[] {
  const shared = Object.keys(candidate).filter((name) => name in production);
  return orderMetricNames(shared).map((name) => {
    const delta = candidate[name]! - production[name]!;
    const better = delta === 0 ? null : LOWER_IS_BETTER.has(name) ? delta < 0 : delta > 0;
    return { name, candidate: candidate[name]!, production: production[name]!, delta, better };
  });
}
