import { describe, expect, it } from "vitest";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import {
  addShadowObservation,
  compareOutputs,
  emptyShadowStats,
  mergeShadowStats,
  summarizeShadowStats,
} from "@/server/domain/traffic/shadow-comparison";

const tensor = (
  name: string,
  datatype: WireTensor["datatype"],
  shape: number[],
  data: WireTensor["data"],
): WireTensor => ({
  name,
  datatype,
  shape,
  data,
});

describe("compareOutputs", () => {
  it("agrees row by row on labels and measures float differences", () => {
    const primary = [
      tensor("label", "INT64", [3], [1, 0, 1]),
      tensor("probabilities", "FP32", [3, 2], [0.1, 0.9, 0.8, 0.2, 0.3, 0.7]),
    ];
    const shadow = [
      tensor("probabilities", "FP32", [3, 2], [0.2, 0.8, 0.8, 0.2, 0.6, 0.4]),
      tensor("label", "INT64", [3], [1, 0, 0]),
    ];
    const comparison = compareOutputs(primary, shadow);
    expect(comparison).toMatchObject({ comparable: true, agreementRows: 2, rows: 3, absDiffCount: 6 });
    expect(comparison.absDiffSum).toBeCloseTo(0.1 + 0.1 + 0 + 0 + 0.3 + 0.3, 12);
  });

  it("needs every exact output of a row to agree", () => {
    const primary = [
      tensor("label", "INT64", [2], [1, 2]),
      tensor("bucket", "BYTES", [2, 2], ["a", "b", "c", "d"]),
    ];
    const shadow = [
      tensor("label", "INT64", [2], [1, 2]),
      tensor("bucket", "BYTES", [2, 2], ["a", "x", "c", "d"]),
    ];
    expect(compareOutputs(primary, shadow)).toMatchObject({
      comparable: true,
      agreementRows: 1,
      rows: 2,
      absDiffCount: 0,
    });
  });

  it("reads booleans and 0/1 alike", () => {
    const comparison = compareOutputs(
      [tensor("flag", "BOOL", [3], [true, false, true])],
      [tensor("flag", "BOOL", [3], [1, 0, 0])],
    );
    expect(comparison).toMatchObject({ comparable: true, agreementRows: 2, rows: 3 });
  });

  it("gives a regressor no rows, only differences", () => {
    const comparison = compareOutputs(
      [tensor("y", "FP64", [2, 1], [1.5, 2])],
      [tensor("y", "FP64", [2, 1], [1, 2.25])],
    );
    expect(comparison).toEqual({
      comparable: true,
      agreementRows: 0,
      rows: 0,
      absDiffSum: 0.75,
      absDiffCount: 2,
    });
  });

  it("compares the outputs both return and ignores the rest", () => {
    const primary = [tensor("label", "INT64", [2], [1, 2]), tensor("old_only", "FP32", [2], [0, 0])];
    const shadow = [tensor("label", "INT64", [2], [1, 3]), tensor("new_only", "FP32", [2], [5, 5])];
    expect(compareOutputs(primary, shadow)).toEqual({
      comparable: true,
      agreementRows: 1,
      rows: 2,
      absDiffSum: 0,
      absDiffCount: 0,
    });
  });

  it("counts equal non-finite values as equal and leaves one-sided ones out of the mean", () => {
    const comparison = compareOutputs(
      [tensor("y", "FP32", [3], [Number.NaN, Infinity, 1])],
      [tensor("y", "FP32", [3], [Number.NaN, 2, 1.5])],
    );
    expect(comparison).toMatchObject({ absDiffSum: 0.5, absDiffCount: 2 });
  });

  it("treats a scalar output as one row", () => {
    expect(compareOutputs([tensor("n", "INT32", [], [3])], [tensor("n", "INT32", [], [3])])).toMatchObject({
      rows: 1,
      agreementRows: 1,
    });
  });

  const notComparable = { comparable: false, agreementRows: 0, rows: 0, absDiffSum: 0, absDiffCount: 0 };

  it("refuses different shapes", () => {
    expect(
      compareOutputs(
        [tensor("p", "FP32", [2, 2], [0, 1, 1, 0])],
        [tensor("p", "FP32", [2, 3], [0, 1, 0, 1, 0, 0])],
      ),
    ).toEqual(notComparable);
    expect(
      compareOutputs([tensor("p", "FP32", [4], [0, 1, 1, 0])], [tensor("p", "FP32", [2, 2], [0, 1, 1, 0])]),
    ).toEqual(notComparable);
  });

  it("refuses a float output against an exact one, and no common output", () => {
    expect(compareOutputs([tensor("y", "FP32", [1], [1])], [tensor("y", "INT64", [1], [1])])).toEqual(
      notComparable,
    );
    expect(compareOutputs([tensor("a", "FP32", [1], [1])], [tensor("b", "FP32", [1], [1])])).toEqual(
      notComparable,
    );
    expect(compareOutputs([], [])).toEqual(notComparable);
  });

  it("compares float outputs of different precision", () => {
    expect(compareOutputs([tensor("y", "FP32", [1], [1])], [tensor("y", "FP64", [1], [1.25])])).toMatchObject(
      { comparable: true, absDiffSum: 0.25 },
    );
  });

  it("refuses data that does not fill the shape, and outputs with different row counts", () => {
    expect(compareOutputs([tensor("y", "FP32", [3], [1, 2])], [tensor("y", "FP32", [3], [1, 2])])).toEqual(
      notComparable,
    );
    const primary = [tensor("label", "INT64", [2], [1, 2]), tensor("p", "FP32", [3], [0, 0, 0])];
    expect(compareOutputs(primary, primary)).toEqual(notComparable);
  });
});

describe("shadow stats", () => {
  it("accumulates observations and summarizes them", () => {
    let stats = emptyShadowStats();
    expect(summarizeShadowStats(stats)).toEqual({
      agreementRate: null,
      meanAbsDiff: null,
      latencyDeltaMs: null,
      requests: 0,
    });
    stats = addShadowObservation(
      stats,
      { comparable: true, agreementRows: 3, rows: 4, absDiffSum: 0.5, absDiffCount: 8 },
      2_000,
      3_500,
    );
    stats = addShadowObservation(
      stats,
      { comparable: false, agreementRows: 0, rows: 0, absDiffSum: 0, absDiffCount: 0 },
      1_000,
      1_500,
    );
    stats = addShadowObservation(
      stats,
      { comparable: true, agreementRows: 4, rows: 4, absDiffSum: 0.3, absDiffCount: 8 },
      3_000,
      2_000,
    );
    expect(stats).toEqual({
      requests: 3,
      comparableRequests: 2,
      agreementRows: 7,
      rows: 8,
      absDiffSum: 0.8,
      absDiffCount: 16,
      primaryLatencyUsSum: 6_000,
      shadowLatencyUsSum: 7_000,
    });
    const summary = summarizeShadowStats(stats);
    expect(summary.agreementRate).toBe(7 / 8);
    expect(summary.meanAbsDiff).toBeCloseTo(0.05, 12);
    expect(summary.latencyDeltaMs).toBeCloseTo(1 / 3, 12);
    expect(summary.requests).toBe(3);
  });

  it("does not change the stats it is given, and merges sums", () => {
    const empty = emptyShadowStats();
    const one = addShadowObservation(
      empty,
      compareOutputs([tensor("l", "INT64", [1], [1])], [tensor("l", "INT64", [1], [1])]),
      100,
      300,
    );
    expect(empty.requests).toBe(0);
    const merged = mergeShadowStats(one, one);
    expect(merged).toMatchObject({
      requests: 2,
      comparableRequests: 2,
      agreementRows: 2,
      rows: 2,
      primaryLatencyUsSum: 200,
      shadowLatencyUsSum: 600,
    });
    expect(summarizeShadowStats(merged)).toEqual({
      agreementRate: 1,
      meanAbsDiff: null,
      latencyDeltaMs: 0.2,
      requests: 2,
    });
  });
});
