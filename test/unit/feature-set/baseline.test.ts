import { describe, expect, it } from "vitest";
import {
  REFERENCE_SAMPLE_SIZE,
  RESERVOIR_MAX_VALUES,
  reservoirCapacity,
  RESERVOIR_BUDGET_VALUES,
  ZFeatureSetBaseline,
  withoutReferenceSamples,
  ZNumericDistribution,
} from "@/server/domain/feature-set/baseline";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { createSampleValidator } from "@/server/domain/feature-set/validate-sample";
import { scanText } from "@/test/unit/feature-set/csv-text";

const baselineOf = async (features: Feature[], text: string) =>
  (await scanText(text, (columns) => createSampleValidator(features, columns), { chunkBytes: 64 * 1024 }))
    .baseline;

const x: Feature = { name: "x", dtype: "float", min: null, max: null };
const column = (values: (number | string)[]) => `x\n${values.join("\n")}\n`;

describe("computeBaseline", () => {
  it("summarises a numeric feature", async () => {
    const baseline = await baselineOf([x], column([2, 4, 4, 4, 5, 5, 7, 9]));
    expect(baseline.rowCount).toBe(8);
    const [feature] = baseline.features;
    expect(feature).toMatchObject({ kind: "numeric", name: "x", count: 8, missingCount: 0 });
    if (feature?.kind !== "numeric" || feature.distribution === null)
      throw new Error("expected a distribution");
    const { distribution } = feature;
    expect(distribution.mean).toBe(5);
    expect(distribution.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect([distribution.min, distribution.max]).toEqual([2, 9]);
    expect(distribution.quantiles).toEqual({
      p01: 2.14,
      p05: 2.7,
      p25: 4,
      p50: 4.5,
      p75: 5.5,
      p95: 8.3,
      p99: 8.86,
    });
    expect(distribution.binEdges[0]).toBe(2);
    expect(distribution.binEdges.at(-1)).toBe(9);
    expect(distribution.binCounts.reduce((sum, count) => sum + count, 0)).toBe(8);
    expect(distribution.binCounts).toHaveLength(distribution.binEdges.length - 1);
  });

  it("counts missing values apart from the statistics", async () => {
    // Two columns: a blank line in a one-column file is skipped as an empty line, not read as missing.
    const [feature] = (await baselineOf([x], "x,other\n1,a\n,a\n3,a\n,a\n")).features;
    expect(feature).toMatchObject({ count: 2, missingCount: 2, distribution: { mean: 2, min: 1, max: 3 } });
  });

  it("has no distribution when every value is missing", async () => {
    const baseline = await baselineOf(
      [x, { name: "y", dtype: "int", min: null, max: null }],
      "x,y\n,1\n,2\n",
    );
    expect(baseline.features[0]).toEqual({
      kind: "numeric",
      name: "x",
      count: 0,
      missingCount: 2,
      distribution: null,
    });
  });

  it("collapses the bins of a constant column into one", async () => {
    const [feature] = (await baselineOf([x], column([0.1, 0.1, 0.1]))).features;
    expect(feature).toMatchObject({
      distribution: { mean: 0.1, std: 0, min: 0.1, max: 0.1, binEdges: [0.1, 0.1], binCounts: [3] },
    });
  });

  it("summarises a single value", async () => {
    const [feature] = (await baselineOf([x], column([42]))).features;
    expect(feature).toMatchObject({
      count: 1,
      distribution: { mean: 42, std: 0, binEdges: [42, 42], binCounts: [1], quantiles: { p01: 42, p99: 42 } },
    });
  });

  it("lists every declared category in declared order, unseen ones with zero", async () => {
    const city: Feature = { name: "city", dtype: "category", categories: ["Paris", "Lyon", "Nice"] };
    const [feature] = (await baselineOf([city], "city,other\nLyon,1\nParis,1\nLyon,1\n,1\nLyon,1\n"))
      .features;
    expect(feature).toEqual({
      kind: "categorical",
      name: "city",
      count: 4,
      missingCount: 1,
      frequencies: [
        { category: "Paris", count: 1, share: 0.25 },
        { category: "Lyon", count: 3, share: 0.75 },
        { category: "Nice", count: 0, share: 0 },
      ],
    });
  });

  it("treats a bool as the categories true and false", async () => {
    const [feature] = (await baselineOf([{ name: "b", dtype: "bool" }], "b\n1\nTRUE\nfalse\n")).features;
    expect(feature).toMatchObject({
      kind: "categorical",
      frequencies: [
        { category: "true", count: 2, share: 2 / 3 },
        { category: "false", count: 1, share: 1 / 3 },
      ],
    });
  });

  it("gives shares of zero when every categorical value is missing", async () => {
    const [feature] = (await baselineOf([{ name: "b", dtype: "bool" }, x], "b,x\n,1\n")).features;
    expect(feature).toMatchObject({ count: 0, missingCount: 1, frequencies: [{ share: 0 }, { share: 0 }] });
  });

  it("does not depend on row order", async () => {
    const values = Array.from({ length: 1000 }, (_, index) => ((index * 7919) % 1000) / 7);
    const shuffled = [...values].reverse();
    expect(await baselineOf([x], column(shuffled))).toEqual(await baselineOf([x], column(values)));
  });

  it("produces JSON that the schema reads back unchanged", async () => {
    const features: Feature[] = [x, { name: "c", dtype: "category", categories: ["a", "b"] }];
    const baseline = await baselineOf(features, "x,c\n1.5,a\n2,b\n,a\n");
    expect(ZFeatureSetBaseline.parse(JSON.parse(JSON.stringify(baseline)))).toEqual(baseline);
  });

  it("handles a large sample", async () => {
    const values = Array.from({ length: 200_000 }, (_, index) => index % 1000);
    const [feature] = (await baselineOf([x], column(values))).features;
    expect(feature).toMatchObject({
      count: 200_000,
      distribution: { min: 0, max: 999, binCounts: Array<number>(10).fill(20_000) },
    });
  });

  it("keeps a small feature's values as its drift reference, and even quantiles of a large one", async () => {
    const [small] = (await baselineOf([x], column([5, 1, 3, 3]))).features;
    expect(small).toMatchObject({ distribution: { referenceSample: [1, 3, 3, 5] } });
    const values = Array.from({ length: 5_000 }, (_, index) => (index * 7919) % 5_000);
    const [large] = (await baselineOf([x], column(values))).features;
    if (large?.kind !== "numeric" || !large.distribution?.referenceSample)
      throw new Error("expected a sample");
    const sample = large.distribution.referenceSample;
    expect(sample).toHaveLength(REFERENCE_SAMPLE_SIZE);
    expect([sample[0], sample[499], sample.at(-1)]).toEqual([0, 2_497, 4_999]);
    expect(sample.every((value, index) => index === 0 || value >= sample[index - 1]!)).toBe(true);
  });

  it("leaves the reference samples out of the baseline that pages show", async () => {
    const baseline = await baselineOf([x], column([2, 4, 4, 4, 5, 5, 7, 9]));
    const shown = withoutReferenceSamples(baseline);
    expect(shown.features[0]).not.toHaveProperty("distribution.referenceSample");
    expect(ZFeatureSetBaseline.parse(shown)).toEqual(shown);
  });
});

describe("computeBaseline beyond the reservoir", () => {
  it("keeps every value of a feature within the capacity, and shares the budget across features", () => {
    expect(reservoirCapacity(1)).toBe(RESERVOIR_MAX_VALUES);
    expect(reservoirCapacity(14)).toBe(RESERVOIR_MAX_VALUES);
    expect(reservoirCapacity(1000)).toBe(Math.floor(RESERVOIR_BUDGET_VALUES / 1000));
  });

  it("summarises more values than the reservoir holds: exact counts, moments and range, close quantiles", async () => {
    const count = RESERVOIR_MAX_VALUES + 137_856; // 400,000
    // A permutation of 0..count-1 with a spike of 42s: exact answers are known in closed form.
    const values = Array.from({ length: count }, (_, index) =>
      index % 10 === 3 ? 42 : (index * 7919) % count,
    );
    const [feature] = (await baselineOf([x], column(values))).features;
    if (feature?.kind !== "numeric" || feature.distribution === null)
      throw new Error("expected a distribution");
    const { distribution } = feature;
    expect(feature.count).toBe(count);
    const sorted = Float64Array.from(values).sort();
    const mean = values.reduce((sum, value) => sum + value, 0) / count;
    expect(Math.abs(distribution.mean - mean) / mean).toBeLessThan(1e-9);
    const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (count - 1);
    expect(Math.abs(distribution.std - Math.sqrt(variance)) / Math.sqrt(variance)).toBeLessThan(1e-9);
    expect([distribution.min, distribution.max]).toEqual([sorted[0], sorted[count - 1]]);
    // Each quantile within half a percentile point of its exact rank (the sampling error is about
    // 0.1); ranks are ranges, as the spike of 42s makes ties.
    for (const [key, percent] of [
      ["p01", 1],
      ["p05", 5],
      ["p25", 25],
      ["p50", 50],
      ["p95", 95],
      ["p99", 99],
    ] as const) {
      const quantile = distribution.quantiles[key];
      const below = (sorted.filter((value) => value < quantile).length / count) * 100;
      const atOrBelow = (sorted.filter((value) => value <= quantile).length / count) * 100;
      expect(percent, key).toBeGreaterThan(below - 0.5);
      expect(percent, key).toBeLessThan(atOrBelow + 0.5);
    }
    expect(distribution.binEdges[0]).toBe(sorted[0]);
    expect(distribution.binEdges.at(-1)).toBe(sorted[count - 1]);
    expect(distribution.binCounts.reduce((sum, binCount) => sum + binCount, 0)).toBe(count);
    expect(ZNumericDistribution.safeParse(distribution).success).toBe(true);
  });
});

describe("ZNumericDistribution", () => {
  it("rejects bin counts that do not match the edges", async () => {
    const distribution = {
      mean: 1,
      std: 0,
      min: 1,
      max: 1,
      quantiles: { p01: 1, p05: 1, p25: 1, p50: 1, p75: 1, p95: 1, p99: 1 },
      binEdges: [1, 1],
      binCounts: [1, 2],
    };
    expect(ZNumericDistribution.safeParse(distribution).success).toBe(false);
    expect(ZNumericDistribution.safeParse({ ...distribution, binCounts: [3] }).success).toBe(true);
  });
});
