import { z } from "zod";
import {
  countInBins,
  percentileOfSorted,
  quantileBinEdges,
} from "@/server/domain/feature-set/histogram-bins";
import type { TypedColumn, ValidatedSample } from "@/server/domain/feature-set/validate-sample";

/** Ten bins by deciles: fine enough for PSI and a histogram, coarse enough for small samples. */
const BASELINE_BIN_COUNT = 10;

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

export function computeBaseline(sample: ValidatedSample): FeatureSetBaseline {
  return { rowCount: sample.rowCount, features: sample.columns.map(featureBaseline) };
}

function featureBaseline(column: TypedColumn): FeatureBaseline {
  return column.kind === "categorical"
    ? categoricalBaseline(column.feature.name, column.categories, column.values)
    : numericBaseline(column.feature.name, column.values);
}

function categoricalBaseline(name: string, categories: string[], values: (string | null)[]): FeatureBaseline {
  const counts = new Map(categories.map((category) => [category, 0]));
  let missingCount = 0;
  for (const value of values) {
    if (value === null) missingCount++;
    else counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const count = values.length - missingCount;
  const frequencies = [...counts].map(([category, categoryCount]) => ({
    category,
    count: categoryCount,
    share: count === 0 ? 0 : categoryCount / count,
  }));
  return { kind: "categorical", name, count, missingCount, frequencies };
}

function numericBaseline(name: string, values: number[]): FeatureBaseline {
  const sorted = Float64Array.from(values.filter((value) => !Number.isNaN(value))).sort();
  return {
    kind: "numeric",
    name,
    count: sorted.length,
    missingCount: values.length - sorted.length,
    distribution: sorted.length === 0 ? null : numericDistribution(sorted),
  };
}

function numericDistribution(sorted: Float64Array): z.infer<typeof ZNumericDistribution> {
  const min = sorted[0] ?? Number.NaN;
  const max = sorted[sorted.length - 1] ?? Number.NaN;
  let sum = 0;
  for (const value of sorted) sum += value;
  // Rounding can put the mean of equal values an ulp outside them; clamped, a constant column has std 0.
  const mean = Math.min(max, Math.max(min, sum / sorted.length));
  // Two passes instead of a running sum of squares, which loses precision for large means.
  let squaredDeviations = 0;
  for (const value of sorted) squaredDeviations += (value - mean) ** 2;
  const std = sorted.length < 2 ? 0 : Math.sqrt(squaredDeviations / (sorted.length - 1));

  const at = (percent: number) => percentileOfSorted(sorted, percent);
  const binEdges = quantileBinEdges(sorted, BASELINE_BIN_COUNT);
  return {
    mean,
    std,
    min,
    max,
    quantiles: { p01: at(1), p05: at(5), p25: at(25), p50: at(50), p75: at(75), p95: at(95), p99: at(99) },
    binEdges,
    binCounts: countInBins(sorted, binEdges),
  };
}
