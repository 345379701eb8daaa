import { describe, expect, it } from "vitest";
import {
  computeBaseline,
  ZFeatureSetBaseline,
  ZNumericDistribution,
} from "@/server/domain/feature-set/baseline";
import { parseCsv } from "@/server/domain/feature-set/csv";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { validateSample } from "@/server/domain/feature-set/validate-sample";

const baselineOf = (features: Feature[], text: string) =>
  computeBaseline(validateSample(features, parseCsv(text, { maxRows: 1_000_000 })));

const x: Feature = { name: "x", dtype: "float", min: null, max: null };
const column = (values: (number | string)[]) => `x\n${values.join("\n")}\n`;

describe("computeBaseline", () => {
  it("summarises a numeric feature", () => {
    const baseline = baselineOf([x], column([2, 4, 4, 4, 5, 5, 7, 9]));
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

  it("counts missing values apart from the statistics", () => {
    // Two columns: a blank line in a one-column file is skipped as an empty line, not read as missing.
    const [feature] = baselineOf([x], "x,other\n1,a\n,a\n3,a\n,a\n").features;
    expect(feature).toMatchObject({ count: 2, missingCount: 2, distribution: { mean: 2, min: 1, max: 3 } });
  });

  it("has no distribution when every value is missing", () => {
    const baseline = baselineOf([x, { name: "y", dtype: "int", min: null, max: null }], "x,y\n,1\n,2\n");
    expect(baseline.features[0]).toEqual({
      kind: "numeric",
      name: "x",
      count: 0,
      missingCount: 2,
      distribution: null,
    });
  });

  it("collapses the bins of a constant column into one", () => {
    const [feature] = baselineOf([x], column([0.1, 0.1, 0.1])).features;
    expect(feature).toMatchObject({
      distribution: { mean: 0.1, std: 0, min: 0.1, max: 0.1, binEdges: [0.1, 0.1], binCounts: [3] },
    });
  });

  it("summarises a single value", () => {
    const [feature] = baselineOf([x], column([42])).features;
    expect(feature).toMatchObject({
      count: 1,
      distribution: { mean: 42, std: 0, binEdges: [42, 42], binCounts: [1], quantiles: { p01: 42, p99: 42 } },
    });
  });

  it("lists every declared category in declared order, unseen ones with zero", () => {
    const city: Feature = { name: "city", dtype: "category", categories: ["Paris", "Lyon", "Nice"] };
    const [feature] = baselineOf([city], "city,other\nLyon,1\nParis,1\nLyon,1\n,1\nLyon,1\n").features;
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

  it("treats a bool as the categories true and false", () => {
    const [feature] = baselineOf([{ name: "b", dtype: "bool" }], "b\n1\nTRUE\nfalse\n").features;
    expect(feature).toMatchObject({
      kind: "categorical",
      frequencies: [
        { category: "true", count: 2, share: 2 / 3 },
        { category: "false", count: 1, share: 1 / 3 },
      ],
    });
  });

  it("gives shares of zero when every categorical value is missing", () => {
    const [feature] = baselineOf([{ name: "b", dtype: "bool" }, x], "b,x\n,1\n").features;
    expect(feature).toMatchObject({ count: 0, missingCount: 1, frequencies: [{ share: 0 }, { share: 0 }] });
  });

  it("does not depend on row order", () => {
    const values = Array.from({ length: 1000 }, (_, index) => ((index * 7919) % 1000) / 7);
    const shuffled = [...values].reverse();
    expect(baselineOf([x], column(shuffled))).toEqual(baselineOf([x], column(values)));
  });

  it("produces JSON that the schema reads back unchanged", () => {
    const features: Feature[] = [x, { name: "c", dtype: "category", categories: ["a", "b"] }];
    const baseline = baselineOf(features, "x,c\n1.5,a\n2,b\n,a\n");
    expect(ZFeatureSetBaseline.parse(JSON.parse(JSON.stringify(baseline)))).toEqual(baseline);
  });

  it("handles a large sample", () => {
    const values = Array.from({ length: 200_000 }, (_, index) => index % 1000);
    const [feature] = baselineOf([x], column(values)).features;
    expect(feature).toMatchObject({
      count: 200_000,
      distribution: { min: 0, max: 999, binCounts: Array<number>(10).fill(20_000) },
    });
  });
});

describe("ZNumericDistribution", () => {
  it("rejects bin counts that do not match the edges", () => {
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
