import { z } from "zod";
import {
  countInBins,
  percentileOfSorted,
  quantileBinEdges,
} from "@/server/domain/feature-set/histogram-bins";
import { Reservoir } from "@/server/domain/feature-set/reservoir";

/** Ten bins by deciles: fine enough for PSI and a histogram, coarse enough for small samples. */
const BASELINE_BIN_COUNT = 10;
/**
 * Values kept as the drift tests' reference: a feature with at most this many has them all (the
 * KS test runs on them exactly); a larger one keeps this many evenly spaced quantiles of its
 * sample, enough for a Wasserstein distance within a fraction of a percent of the sample's.
 */
export const REFERENCE_SAMPLE_SIZE = 1_000;

/**
 * Numeric statistics keep a bounded sample of each feature's values, never every value: at most
 * RESERVOIR_MAX_VALUES per feature and RESERVOIR_BUDGET_VALUES (32 MiB of float64) over all numeric
 * features of a sample together. A feature with at most that many values keeps them all, and
 * its baseline is exact; a larger one gets its quantiles and bin shares from the sample (the
 * quantile error of 262,144 uniform draws is about 0.1 percentile point) and its count, missing
 * count, mean, std, min and max from every value.
 */
export const RESERVOIR_MAX_VALUES = 262_144;
export const RESERVOIR_BUDGET_VALUES = 4 * 1024 * 1024;

export const ZQuantiles = z.object({
  p01: z.number(),
  p05: z.number(),
  p25: z.number(),
  p50: z.number(),
  p75: z.number(),
  p95: z.number(),
  p99: z.number(),
});

/** Present only when the sample has at least one value for the feature. */
export const ZNumericDistribution = z
  .object({
    mean: z.number(),
    /** Sample standard deviation (n - 1); 0 for a single value. */
    std: z.number().nonnegative(),
    min: z.number(),
    max: z.number(),
    quantiles: ZQuantiles,
    binEdges: z.array(z.number()).min(2),
    binCounts: z.array(z.number().int().nonnegative()).min(1),
    /** Ascending; see REFERENCE_SAMPLE_SIZE. Absent in baselines made before drift reports. */
    referenceSample: z.array(z.number()).min(1).optional(),
  })
  .refine((distribution) => distribution.binCounts.length === distribution.binEdges.length - 1, {
    message: "binCounts needs one count per pair of adjacent binEdges",
  });

export const ZNumericBaseline = z.object({
  kind: z.literal("numeric"),
  name: z.string(),
  /** Values present; missing ones are counted apart. */
  count: z.number().int().nonnegative(),
  missingCount: z.number().int().nonnegative(),
  distribution: ZNumericDistribution.nullable(),
});

export const ZCategoryFrequency = z.object({
  category: z.string(),
  count: z.number().int().nonnegative(),
  /** Of the values present, so shares sum to 1 whatever the missing count. */
  share: z.number().min(0).max(1),
});

export const ZCategoricalBaseline = z.object({
  kind: z.literal("categorical"),
  name: z.string(),
  count: z.number().int().nonnegative(),
  missingCount: z.number().int().nonnegative(),
  /** Every declared category in declared order, unseen ones with count 0. */
  frequencies: z.array(ZCategoryFrequency),
});

export const ZFeatureBaseline = z.discriminatedUnion("kind", [ZNumericBaseline, ZCategoricalBaseline]);
export type FeatureBaseline = z.infer<typeof ZFeatureBaseline>;

/** The drift reference stored with a feature set version. */
export const ZFeatureSetBaseline = z.object({
  rowCount: z.number().int().nonnegative(),
  /** In feature order. */
  features: z.array(ZFeatureBaseline),
});
export type FeatureSetBaseline = z.infer<typeof ZFeatureSetBaseline>;

/** The baseline as pages show it: the drift tests' reference samples stay on the server. */
export function withoutReferenceSamples(baseline: FeatureSetBaseline): FeatureSetBaseline {
  return {
    ...baseline,
    features: baseline.features.map((feature) => {
      if (feature.kind !== "numeric" || !feature.distribution) return feature;
      const { referenceSample: _, ...distribution } = feature.distribution;
      return { ...feature, distribution };
    }),
  };
}

/** The sample size each numeric feature keeps when `numericFeatureCount` of them share the budget. */
export function reservoirCapacity(numericFeatureCount: number): number {
  return Math.min(
    RESERVOIR_MAX_VALUES,
    Math.floor(RESERVOIR_BUDGET_VALUES / Math.max(numericFeatureCount, 1)),
  );
}

/** Folds one numeric feature's values (NaN for a missing one) into its baseline, in bounded memory. */
export class NumericBaselineBuilder {
  private missingCount = 0;
  private min = Infinity;
  private max = -Infinity;
  // Welford's running mean and sum of squared deviations: stable for large means, one pass.
  private mean = 0;
  private squaredDeviations = 0;
  private readonly reservoir: Reservoir;

  constructor(
    private readonly name: string,
    capacity: number,
    seed: number,
  ) {
    this.reservoir = new Reservoir(capacity, seed);
  }

  add(value: number): void {
    if (Number.isNaN(value)) {
      this.missingCount++;
      return;
    }
    this.reservoir.offer(value);
    const count = this.reservoir.seenCount;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const delta = value - this.mean;
    this.mean += delta / count;
    this.squaredDeviations += delta * (value - this.mean);
  }

  build(): FeatureBaseline {
    const count = this.reservoir.seenCount;
    return {
      kind: "numeric",
      name: this.name,
      count,
      missingCount: this.missingCount,
      distribution: count === 0 ? null : this.distribution(count),
    };
  }

  private distribution(count: number): z.infer<typeof ZNumericDistribution> {
    const sorted = this.reservoir.sorted();
    const complete = sorted.length === count;
    const { mean, std } = complete
      ? momentsOfSorted(sorted)
      : { mean: this.mean, std: Math.sqrt(this.squaredDeviations / (count - 1)) };
    const at = (percent: number) => percentileOfSorted(sorted, percent);
    const binEdges = quantileBinEdges(sorted, BASELINE_BIN_COUNT);
    let binCounts = countInBins(sorted, binEdges);
    if (!complete) {
      // The sample may miss the extremes: the outer edges are the true min and max.
      binEdges[0] = this.min;
      binEdges[binEdges.length - 1] = this.max;
      binCounts = scaleCounts(binCounts, count);
    }
    return {
      mean: Math.min(this.max, Math.max(this.min, mean)),
      std,
      min: this.min,
      max: this.max,
      quantiles: { p01: at(1), p05: at(5), p25: at(25), p50: at(50), p75: at(75), p95: at(95), p99: at(99) },
      binEdges,
      binCounts,
      referenceSample: evenlySpaced(sorted, REFERENCE_SAMPLE_SIZE),
    };
  }
}

/** All of `sorted` when it has at most `size` values, else `size` of them at even quantile steps. */
function evenlySpaced(sorted: Float64Array, size: number): number[] {
  if (sorted.length <= size) return Array.from(sorted);
  return Array.from(
    { length: size },
    (_, index) => sorted[Math.round((index * (sorted.length - 1)) / (size - 1))]!,
  );
}

/**
 * Mean and sample std of every value, exact and independent of row order: the sum runs over the
 * sorted values, and the deviations in a second pass (a running sum of squares loses precision
 * for large means). Rounding can put the mean of equal values an ulp outside them; the caller
 * clamps it, so a constant column has std 0.
 */
function momentsOfSorted(sorted: Float64Array): { mean: number; std: number } {
  let sum = 0;
  for (const value of sorted) sum += value;
  const mean = Math.min(sorted[sorted.length - 1]!, Math.max(sorted[0]!, sum / sorted.length));
  let squaredDeviations = 0;
  for (const value of sorted) squaredDeviations += (value - mean) ** 2;
  return { mean, std: sorted.length < 2 ? 0 : Math.sqrt(squaredDeviations / (sorted.length - 1)) };
}

/** Counts in a sample scaled to `total`, rounded by largest remainder so they still sum to it. */
function scaleCounts(counts: number[], total: number): number[] {
  const sampled = counts.reduce((sum, count) => sum + count, 0);
  const exact = counts.map((count) => (count * total) / sampled);
  const scaled = exact.map(Math.floor);
  let missing = total - scaled.reduce((sum, count) => sum + count, 0);
  const byRemainder = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) }));
  byRemainder.sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (missing-- <= 0) break;
    scaled[index]! += 1;
  }
  return scaled;
}

/** Folds one categorical (or bool) feature's values (null for a missing one) into its baseline. */
export class CategoricalBaselineBuilder {
  private missingCount = 0;
  private readonly counts: Map<string, number>;

  /** `categories` in declared order; values are checked against them before they get here. */
  constructor(
    private readonly name: string,
    categories: string[],
  ) {
    this.counts = new Map(categories.map((category) => [category, 0]));
  }

  add(value: string | null): void {
    if (value === null) this.missingCount++;
    else this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }

  build(): FeatureBaseline {
    let count = 0;
    for (const categoryCount of this.counts.values()) count += categoryCount;
    const frequencies = [...this.counts].map(([category, categoryCount]) => ({
      category,
      count: categoryCount,
      share: count === 0 ? 0 : categoryCount / count,
    }));
    return { kind: "categorical", name: this.name, count, missingCount: this.missingCount, frequencies };
  }
}
