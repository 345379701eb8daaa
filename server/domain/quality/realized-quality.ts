import type { WireTensor } from "@/server/domain/inference/datatypes";
import { accuracy, logLoss, rocAuc } from "@/server/domain/evaluation/classification-metrics";
import type { GoldenSetTask } from "@/server/domain/evaluation/golden-set-spec";
import { meanAbsoluteError, rootMeanSquaredError } from "@/server/domain/evaluation/regression-metrics";

/** The tasks whose quality labels can measure: a golden set's, without the exact kind. */
export type QualityTask = Exclude<GoldenSetTask, { kind: "exact" }>;

/** One row's answer as metrics read it: the positive class's probability and label, or a value. */
export interface RowPrediction {
  score: number;
  predicted: number;
}

/**
 * Each row's prediction from a logged answer of `rowCount` rows: the task's output split by its
 * first dimension (a probability of one value per row, or two with the positive second). A
 * sentence when the answer does not fit the task.
 */
export function rowPredictions(
  task: QualityTask,
  outputs: readonly WireTensor[],
  rowCount: number,
): RowPrediction[] | string {
  const valuesOf = (name: string): number[][] | string => {
    const tensor = outputs.find((output) => output.name === name);
    if (!tensor) return `the logged answer has no output '${name}'`;
    // Other tensors' strings are non-finite floats ("NaN", "Infinity"), which Number reads.
    if (tensor.datatype === "BYTES") return `output '${name}' holds strings`;
    const width = rowCount === 0 ? 0 : tensor.data.length / rowCount;
    if (!Number.isInteger(width) || width < 1) return `output '${name}' does not split into ${rowCount} rows`;
    return Array.from({ length: rowCount }, (_, row) =>
      tensor.data.slice(row * width, (row + 1) * width).map(Number),
    );
  };
  if (task.kind === "regression") {
    const values = valuesOf(task.output);
    if (typeof values === "string") return values;
    if (values[0]?.length !== 1)
      return `output '${task.output}' has ${values[0]?.length} values per row; expected 1`;
    return values.map(([value]) => ({ score: value!, predicted: value! }));
  }
  const probabilities = valuesOf(task.probabilityOutput);
  if (typeof probabilities === "string") return probabilities;
  const width = probabilities[0]?.length ?? 0;
  if (width !== 1 && width !== 2)
    return `output '${task.probabilityOutput}' has ${width} values per row; expected 1 or 2`;
  const labels = task.labelOutput ? valuesOf(task.labelOutput) : null;
  if (typeof labels === "string") return labels;
  return probabilities.map((row, index) => {
    const score = row[width - 1]!;
    return { score, predicted: labels ? labels[index]![0]! : Number(score >= 0.5) };
  });
}

export type RealizedMetrics = Record<string, number | null>;

/** The task's metrics over labelled rows: classifiers' accuracy, precision, recall, ROC AUC, log loss; regressors' MAE, RMSE. */
export function realizedMetrics(
  task: QualityTask,
  rows: readonly (RowPrediction & { label: number })[],
): RealizedMetrics {
  if (rows.length === 0) return {};
  const labels = rows.map((row) => row.label);
  const predicted = rows.map((row) => row.predicted);
  if (task.kind === "regression")
    return { mae: meanAbsoluteError(predicted, labels), rmse: rootMeanSquaredError(predicted, labels) };
  const scores = rows.map((row) => row.score);
  let truePositives = 0;
  let predictedPositives = 0;
  let positives = 0;
  for (const row of rows) {
    if (row.predicted === 1) predictedPositives++;
    if (row.label === 1) positives++;
    if (row.predicted === 1 && row.label === 1) truePositives++;
  }
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    accuracy: accuracy(predicted, labels),
    precision: predictedPositives > 0 ? truePositives / predictedPositives : null,
    recall: positives > 0 ? truePositives / positives : null,
    roc_auc: finite(rocAuc(scores, labels)),
    log_loss: logLoss(scores, labels),
  };
}

/** Why `value` is not a label of the task's kind, or null when it is. */
export function labelProblem(task: QualityTask, value: unknown): string | null {
  if (task.kind === "regression")
    return typeof value === "number" && Number.isFinite(value)
      ? null
      : "a regression label must be a finite number";
  return value === 0 || value === 1 || value === true || value === false
    ? null
    : "a binary classifier's label must be 0 or 1 (or false or true)";
}
