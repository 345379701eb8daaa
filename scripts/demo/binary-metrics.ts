import { accuracy, logLoss, rocAuc } from "@/server/domain/evaluation/classification-metrics";

export type BinaryMetrics = {
  auc: number;
  accuracy: number;
  logLoss: number;
  precision: number;
  recall: number;
  threshold: number;
  rows: number;
  positiveRate: number;
};

function confusion(probabilities: ArrayLike<number>, labels: ArrayLike<number>, threshold: number) {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = (probabilities[i] as number) >= threshold;
    if (predicted && labels[i] === 1) truePositives++;
    else if (predicted) falsePositives++;
    else if (labels[i] === 1) falseNegatives++;
  }
  return { truePositives, falsePositives, falseNegatives };
}

/** Threshold on a 0.01 grid with the best F1: fraud is rare, so 0.5 would flag almost nothing. */
export function bestF1Threshold(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let best = { threshold: 0.5, f1: -1 };
  for (let step = 1; step < 100; step++) {
    const threshold = step / 100;
    const { truePositives, falsePositives, falseNegatives } = confusion(probabilities, labels, threshold);
    const f1 = (2 * truePositives) / (2 * truePositives + falsePositives + falseNegatives || 1);
    if (f1 > best.f1) best = { threshold, f1 };
  }
  return best.threshold;
}

// Six decimals: stable to print, and far finer than float32 inference can move the numbers.
const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

export function binaryMetrics(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): BinaryMetrics {
  const { truePositives, falsePositives, falseNegatives } = confusion(probabilities, labels, threshold);
  const rows = labels.length;
  const predicted = Array.from(probabilities, (p) => Number(p >= threshold));
  let positives = 0;
  for (let i = 0; i < rows; i++) positives += labels[i] as number;
  return {
    auc: round6(rocAuc(probabilities, labels)),
    accuracy: round6(accuracy(predicted, labels)),
    logLoss: round6(logLoss(probabilities, labels)),
    precision: round6(truePositives / (truePositives + falsePositives || 1)),
    recall: round6(truePositives / (truePositives + falseNegatives || 1)),
    threshold,
    rows,
    positiveRate: round6(positives / rows),
  };
}
