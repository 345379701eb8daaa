import { chiSquareSurvival, kolmogorovSurvival } from "@/server/domain/drift/special-functions";

/**
 * The drift tests and distances, each as the field's drift tools define it (Evidently's
 * implementations over scipy), so a score means here what it means there; chi-square is the
 * two-sample form (see chiSquare). Numeric samples are
 * ascending Float64Arrays; categorical ones are counts aligned by category.
 */

export interface TestResult {
  statistic: number;
  pValue: number;
}

/**
 * Two-sample Kolmogorov-Smirnov: D is the largest gap between the two empirical CDFs; the
 * two-sided p-value is Kolmogorov's limiting distribution at √(nm / (n + m)) · D (scipy's
 * `kstwobign.sf`; its `ks_2samp` is exact for small samples and differs in the third digit there).
 */
export function kolmogorovSmirnov(reference: Float64Array, current: Float64Array): TestResult {
  const n = reference.length;
  const m = current.length;
  if (n === 0 || m === 0) throw new RangeError("the KS test needs values on both sides");
  let i = 0;
  let j = 0;
  let statistic = 0;
  while (i < n && j < m) {
    // Step past every value equal to the smaller one on both sides, so ties move together.
    const value = Math.min(reference[i]!, current[j]!);
    while (i < n && reference[i] === value) i++;
    while (j < m && current[j] === value) j++;
    statistic = Math.max(statistic, Math.abs(i / n - j / m));
  }
  const effectiveSize = (n * m) / (n + m);
  return { statistic, pValue: kolmogorovSurvival(Math.sqrt(effectiveSize) * statistic) };
}

/**
 * Pearson's chi-square test of homogeneity of the two samples (scipy's
 * `chi2_contingency([reference, current], correction=False)`), over the categories either side
 * has. Not the goodness-of-fit form (`chisquare(current, expected)`, Evidently's), which takes the
 * reference's shares as exact: its reference is a sample too, and a rare category then reads as
 * drift in a sixth of calm windows of the reference's size and in half of those ten times larger.
 */
export function chiSquare(referenceCounts: readonly number[], currentCounts: readonly number[]): TestResult {
  const referenceTotal = sum(referenceCounts);
  const currentTotal = sum(currentCounts);
  if (referenceTotal === 0 || currentTotal === 0)
    throw new RangeError("the chi-square test needs counts on both sides");
  const total = referenceTotal + currentTotal;
  let statistic = 0;
  let categories = 0;
  for (let index = 0; index < Math.max(referenceCounts.length, currentCounts.length); index++) {
    const reference = referenceCounts[index] ?? 0;
    const current = currentCounts[index] ?? 0;
    const pooled = reference + current;
    if (pooled === 0) continue;
    categories++;
    const expectedReference = (pooled * referenceTotal) / total;
    const expectedCurrent = (pooled * currentTotal) / total;
    statistic +=
      (reference - expectedReference) ** 2 / expectedReference +
      (current - expectedCurrent) ** 2 / expectedCurrent;
  }
  // One category: nothing can differ (scipy's p of 1 at zero degrees of freedom).
  const pValue = categories < 2 ? 1 : chiSquareSurvival(statistic, categories - 1);
  return { statistic, pValue };
}

/**
 * The first Wasserstein (earth mover's) distance between two samples: the area between their
 * empirical CDFs (scipy's `wasserstein_distance`).
 */
export function wassersteinDistance(reference: Float64Array, current: Float64Array): number {
  const n = reference.length;
  const m = current.length;
  if (n === 0 || m === 0) throw new RangeError("the Wasserstein distance needs values on both sides");
  let i = 0;
  let j = 0;
  let area = 0;
  let previous = Math.min(reference[0]!, current[0]!);
  while (i < n || j < m) {
    const value = Math.min(reference[i] ?? Infinity, current[j] ?? Infinity);
    area += Math.abs(i / n - j / m) * (value - previous);
    while (i < n && reference[i] === value) i++;
    while (j < m && current[j] === value) j++;
    previous = value;
  }
  return area;
}

/** Evidently's floor under the reference's spread, so a near-constant feature does not divide by 0. */
const MIN_NORM = 0.001;

/** The Wasserstein distance in units of the reference's (population) standard deviation. */
export function normedWassersteinDistance(reference: Float64Array, current: Float64Array): number {
  return wassersteinDistance(reference, current) / Math.max(populationStd(reference), MIN_NORM);
}

/**
 * Jensen-Shannon distance (the square root of the divergence, natural logarithm: scipy's
 * `jensenshannon`) between two distributions given as counts or shares aligned by category.
 */
export function jensenShannonDistance(reference: readonly number[], current: readonly number[]): number {
  const p = shares(reference);
  const q = shares(current);
  let divergence = 0;
  for (let index = 0; index < p.length; index++) {
    const pi = p[index]!;
    const qi = q[index] ?? 0;
    const mi = (pi + qi) / 2;
    if (pi > 0) divergence += 0.5 * pi * Math.log(pi / mi);
    if (qi > 0) divergence += 0.5 * qi * Math.log(qi / mi);
  }
  return Math.sqrt(Math.max(0, divergence));
}

/** An empty bin's share in PSI, as Evidently sets it, so the logarithm stays finite. */
const PSI_EMPTY_SHARE = 0.0001;

/** Population stability index over aligned bins: Σ (current - reference) · ln(current / reference). */
export function populationStabilityIndex(reference: readonly number[], current: readonly number[]): number {
  const p = shares(reference).map((share) => share || PSI_EMPTY_SHARE);
  const q = shares(current).map((share) => share || PSI_EMPTY_SHARE);
  let index = 0;
  let psi = 0;
  for (const referenceShare of p) {
    const currentShare = q[index++] ?? PSI_EMPTY_SHARE;
    psi += (currentShare - referenceShare) * Math.log(currentShare / referenceShare);
  }
  return psi;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function shares(counts: readonly number[]): number[] {
  const total = sum(counts);
  if (total === 0) throw new RangeError("a distribution needs a positive total");
  return counts.map((count) => count / total);
}

function populationStd(sorted: Float64Array): number {
  let mean = 0;
  for (const value of sorted) mean += value;
  mean /= sorted.length;
  let squares = 0;
  for (const value of sorted) squares += (value - mean) ** 2;
  return Math.sqrt(squares / sorted.length);
}
