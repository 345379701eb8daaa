import { describe, expect, it } from "vitest";
import {
  countInBins,
  percentileOfSorted,
  quantileBinEdges,
} from "@/server/domain/feature-set/histogram-bins";

const sorted = (values: number[]) => Float64Array.from(values).sort();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe("percentileOfSorted", () => {
  it("interpolates between closest ranks like numpy's default", () => {
    const values = sorted([1, 2, 3, 4]);
    expect(percentileOfSorted(values, 0)).toBe(1);
    expect(percentileOfSorted(values, 25)).toBe(1.75);
    expect(percentileOfSorted(values, 50)).toBe(2.5);
    expect(percentileOfSorted(values, 100)).toBe(4);
  });

  it("lands exactly on a sample value at a whole rank", () => {
    // 70 * 10 / 100 is exactly 7; 0.7 * 10 would be 7.000000000000001 and interpolate an ulp past 8.
    expect(percentileOfSorted(sorted(range(1, 11)), 70)).toBe(8);
  });

  it("returns the only value of a one-value sample", () => {
    expect(percentileOfSorted(sorted([3]), 99)).toBe(3);
  });

  it("refuses an empty sample", () => {
    expect(() => percentileOfSorted(sorted([]), 50)).toThrow(RangeError);
  });
});

describe("quantileBinEdges", () => {
  it("puts decile edges from min to max", () => {
    expect(quantileBinEdges(sorted(range(1, 11)), 10)).toEqual(range(1, 11));
  });

  it("merges repeated edges of discrete data", () => {
    const values = sorted([...Array<number>(70).fill(0), ...Array<number>(30).fill(1)]);
    const edges = quantileBinEdges(values, 10);
    expect(edges[0]).toBe(0);
    expect(edges.at(-1)).toBe(1);
    expect(edges).toHaveLength(3);
    expect(countInBins(values, edges)).toEqual([70, 30]);
  });

  it("keeps one bin [v, v] for a constant sample", () => {
    const values = sorted([5, 5, 5]);
    expect(quantileBinEdges(values, 10)).toEqual([5, 5]);
    expect(countInBins(values, [5, 5])).toEqual([3]);
  });
});

describe("countInBins", () => {
  it("counts half-open bins with a closed last bin", () => {
    expect(countInBins(sorted([0, 1, 1.5, 2, 3]), [0, 1, 2, 3])).toEqual([1, 2, 2]);
  });

  it("counts values outside the edges into the first and last bins", () => {
    expect(countInBins(sorted([-10, 0.5, 2.5, 99]), [0, 1, 2, 3])).toEqual([2, 0, 2]);
  });

  it("splits 1..100 into ten bins of ten", () => {
    const values = sorted(range(1, 100));
    expect(countInBins(values, quantileBinEdges(values, 10))).toEqual(Array<number>(10).fill(10));
  });
});
