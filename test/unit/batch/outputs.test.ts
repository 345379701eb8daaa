import { describe, expect, it } from "vitest";
import { errorShareExceeded } from "@/server/domain/batch/batch-spec";
import { OutputComparer } from "@/server/domain/batch/compare-outputs";
import {
  csvLine,
  predictionCells,
  predictionHeader,
  splitPredictions,
} from "@/server/domain/batch/prediction-columns";
import { progressOf } from "@/server/domain/batch/progress";

describe("batch outputs", () => {
  it("splits a run's outputs into rows and CSV columns", () => {
    const rows = splitPredictions(
      [
        { name: "label", datatype: "INT64", shape: [2], data: [1, 0] },
        { name: "probability", datatype: "FP32", shape: [2, 2], data: [0.2, 0.8, 0.9, 0.1] },
      ],
      2,
    );
    expect(rows).toEqual([
      { label: 1, probability: [0.2, 0.8] },
      { label: 0, probability: [0.9, 0.1] },
    ]);
    expect(predictionHeader(rows[0]!)).toEqual(["label", "probability_0", "probability_1"]);
    expect(predictionCells(rows[1]!)).toEqual(["0", "0.9", "0.1"]);
    expect(csvLine(['a "b"', "c,d", "e"])).toBe('"a ""b""","c,d",e\n');
  });

  it("compares two jobs' predictions: share of changed labels and mean |Δ| of scores", () => {
    const comparer = new OutputComparer([
      { name: "label", kind: "label" },
      { name: "probability", kind: "score" },
    ]);
    comparer.add({ label: 1, probability: [0.2, 0.8] }, { label: 1, probability: [0.4, 0.6] });
    comparer.add({ label: 0, probability: [0.9, 0.1] }, { label: 1, probability: [0.9, 0.1] });
    const result = comparer.result();
    expect(result.rows).toBe(2);
    expect(result.changedLabelShare).toBe(0.5);
    expect(result.meanAbsScoreDelta).toBeCloseTo(0.1, 12);
  });

  it("fails a job only past its error share, and estimates the time left from its own rate", () => {
    expect(errorShareExceeded(1, 100, 0.01)).toBe(false);
    expect(errorShareExceeded(2, 100, 0.01)).toBe(true);
    expect(progressOf({ totalRows: 100, doneRows: 25, startedAtMs: 0, untilMs: 5_000 })).toEqual({
      share: 0.25,
      rowsPerSecond: 5,
      etaSeconds: 15,
    });
    expect(progressOf({ totalRows: 100, doneRows: 0, startedAtMs: null, untilMs: 1 }).etaSeconds).toBeNull();
  });
});
