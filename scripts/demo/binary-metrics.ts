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

/** ROC AUC by ranks (Mann-Whitney U), with tied scores sharing their average rank. */
function rocAuc(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort(
    (a, b) => (probabilities[a] as number) - (probabilities[b] as number),
  );
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (
      end + 1 < order.length &&
      probabilities[order[end + 1] as number] === probabilities[order[start] as number]
    )
      end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

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
  let logLossSum = 0;
  let positives = 0;
  for (let i = 0; i < rows; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, probabilities[i] as number));
    logLossSum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
    positives += labels[i] as number;
  }
  const trueNegatives = rows - truePositives - falsePositives - falseNegatives;
  return {
    auc: round6(rocAuc(probabilities, labels)),
    accuracy: round6((truePositives + trueNegatives) / rows),
    logLoss: round6(logLossSum / rows),
    precision: round6(truePositives / (truePositives + falsePositives || 1)),
    recall: round6(truePositives / (truePositives + falseNegatives || 1)),
    threshold,
    rows,
    positiveRate: round6(positives / rows),
  };
}
