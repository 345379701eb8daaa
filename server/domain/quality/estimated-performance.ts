/**
 * Label-free performance of a binary classifier from its own probabilities, as NannyML's
 * confidence-based performance estimation (CBPE) describes it: if the model is calibrated, a row
 * with probability p is a positive with probability p, so every confusion count has an expected
 * value and the metrics follow from those. Valid while the model stays calibrated; its estimates
 * beside the realized figures (once labels arrive) show when it no longer is.
 */

/** Expected accuracy at threshold 0.5: a row predicted positive (p >= 0.5) is right with probability p. */
export function estimatedAccuracy(probabilities: ArrayLike<number>): number {
  if (probabilities.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    sum += p >= 0.5 ? p : 1 - p;
  }
  return sum / probabilities.length;
}

/**
 * Expected ROC AUC: the expected number of (positive, negative) pairs the scores order rightly
 * over the expected number of such pairs, with labels drawn independently as Bernoulli(p). A pair
 * of rows i ≠ j is (positive i, negative j) with probability p_i (1 - p_j); it counts 1 when
 * i scores higher, 1/2 on a tie. Sorted once, so O(n log n). NaN with fewer than two rows.
 */
export function estimatedRocAuc(probabilities: ArrayLike<number>): number {
  const n = probabilities.length;
  if (n < 2) return Number.NaN;
  const sorted = Float64Array.from(probabilities).sort();
  let negativesBelow = 0; // Σ (1 - p_j) over rows scoring lower than the current group
  let concordant = 0;
  let start = 0;
  while (start < n) {
    let end = start;
    while (end + 1 < n && sorted[end + 1] === sorted[start]) end++;
    let groupPositives = 0;
    let groupNegatives = 0;
    let groupCross = 0; // Σ p_i (1 - p_i) within the group: the i = j terms of a tie
    for (let k = start; k <= end; k++) {
      const p = sorted[k]!;
      groupPositives += p;
      groupNegatives += 1 - p;
      groupCross += p * (1 - p);
    }
    concordant += groupPositives * negativesBelow + 0.5 * (groupPositives * groupNegatives - groupCross);
    negativesBelow += groupNegatives;
    start = end + 1;
  }
  let positives = 0;
  let diagonal = 0;
  for (const p of sorted) {
    positives += p;
    diagonal += p * (1 - p);
  }
  const pairs = positives * (n - positives) - diagonal;
  return pairs > 0 ? concordant / pairs : Number.NaN;
}
