import { z } from "zod";

/**
 * The metrics an evaluation stores, by the name the API, the gate and its refusals use, and
 * which way is better. Classifiers get accuracy, roc_auc and log_loss; regressors mae and rmse;
 * exact-regression sets max_abs_diff.
 */
export const METRIC_DIRECTIONS = {
  accuracy: "higher",
  roc_auc: "higher",
  log_loss: "lower",
  mae: "lower",
  rmse: "lower",
  max_abs_diff: "lower",
} as const satisfies Record<string, "higher" | "lower">;

export type MetricName = keyof typeof METRIC_DIRECTIONS;
export const METRIC_NAMES = Object.keys(METRIC_DIRECTIONS) as MetricName[];

/**
 * Stored metrics: null where the metric is undefined for the set (roc_auc of a set with one
 * class only), so "not measurable" is never confused with a value.
 */
export const ZEvaluationMetrics = z.partialRecord(z.enum(METRIC_NAMES), z.number().finite().nullable());
export type EvaluationMetrics = z.infer<typeof ZEvaluationMetrics>;
