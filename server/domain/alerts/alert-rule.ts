import { z } from "zod";

/**
 * What a rule can watch, each read over the rule's window by the monitor (server/services/alert/
 * read-alert-metric.ts). Drift metrics read the deployment's newest drift report; quality ones
 * its newest hour of labelled (or, estimated, unlabelled) predictions.
 */
export const ALERT_METRICS = {
  latency_p95_ms: "p95 latency (ms)",
  latency_p99_ms: "p99 latency (ms)",
  error_rate: "error rate (share of requests)",
  drift_share: "share of features drifting (newest drift report)",
  drift_score_max: "largest feature PSI (newest drift report)",
  output_drift_score_max: "largest output PSI (newest drift report)",
  missing_share_max: "largest share of missing values of a feature (newest drift report)",
  realized_roc_auc: "realized ROC AUC (labelled predictions)",
  estimated_roc_auc: "estimated ROC AUC (from probabilities)",
  cost_per_1k_calls_micros: "cost per 1,000 calls (micro-dollars)",
  queue_depth: "serving jobs waiting in the deployment's device queue",
} as const;
export type AlertMetric = keyof typeof ALERT_METRICS;
export const ALERT_METRIC_NAMES = Object.keys(ALERT_METRICS) as [AlertMetric, ...AlertMetric[]];

export const ALERT_COMPARATORS = [">", ">=", "<", "<="] as const;
export type AlertComparator = (typeof ALERT_COMPARATORS)[number];

export const MAX_ALERT_MINUTES = 1_440;

export const ZAlertMetric = z.enum(ALERT_METRIC_NAMES, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a metric alerts know; use one of ${ALERT_METRIC_NAMES.join(", ")}`,
});
export const ZAlertComparator = z.enum(ALERT_COMPARATORS, {
  error: `the comparator must be one of ${ALERT_COMPARATORS.join(" ")}`,
});
export const ZWindowMinutes = z
  .number({ error: "the window must be a number of minutes" })
  .int("the window must be a whole number of minutes")
  .min(1, "the window must be at least 1 minute (a negative or zero window covers no time)")
  .max(MAX_ALERT_MINUTES, `the window must be at most ${MAX_ALERT_MINUTES} minutes (a day)`);
export const ZForMinutes = z
  .number({ error: "the for-duration must be a number of minutes" })
  .int("the for-duration must be a whole number of minutes")
  .min(0, "the for-duration cannot be negative; 0 fires at once")
  .max(MAX_ALERT_MINUTES, `the for-duration must be at most ${MAX_ALERT_MINUTES} minutes (a day)`);
export const ZThreshold = z
  .number({ error: "the threshold must be a number" })
  .refine(Number.isFinite, "the threshold must be a finite number");

/** The fields that define what a rule watches, shared by create and update. */
export const ZAlertCondition = z.object({
  metric: ZAlertMetric,
  comparator: ZAlertComparator,
  threshold: ZThreshold,
  windowMinutes: ZWindowMinutes.default(5),
  forMinutes: ZForMinutes.default(0),
});
export type AlertCondition = z.output<typeof ZAlertCondition>;

export function conditionHolds(
  condition: Pick<AlertCondition, "comparator" | "threshold">,
  value: number,
): boolean {
  const { comparator, threshold } = condition;
  switch (comparator) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
  }
}

/** "error_rate 0.12 > 0.05 over 5 min on card-fraud-prod": what a notification says. */
export function alertSentence(
  rule: Pick<AlertCondition, "metric" | "comparator" | "threshold" | "windowMinutes"> & {
    name: string;
    deploymentName: string | null;
  },
  value: number | null,
  kind: "fired" | "resolved",
): string {
  const where = rule.deploymentName ? ` on ${rule.deploymentName}` : "";
  const shown = value === null ? "has no data" : `is ${formatValue(value)}`;
  if (kind === "fired")
    return `${rule.name}: ${rule.metric} ${shown}, ${rule.comparator} ${formatValue(rule.threshold)} over ${rule.windowMinutes} min${where}`;
  return `${rule.name} resolved: ${rule.metric} ${shown}, no longer ${rule.comparator} ${formatValue(rule.threshold)}${where}`;
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}
