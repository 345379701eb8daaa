import { describe, expect, it } from "vitest";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import { labelProblem, realizedMetrics, rowPredictions } from "@/server/domain/quality/realized-quality";

const binary = {
  kind: "binary-classification",
  probabilityOutput: "probability",
  labelOutput: "label",
} as const;
const tensor = (name: string, shape: number[], data: number[]): WireTensor => ({
  name,
  datatype: "FP32",
  shape,
  data,
});

describe("realized quality", () => {
  it("splits a logged answer into rows: two-value probabilities take the positive second", () => {
    const outputs = [tensor("probability", [2, 2], [0.2, 0.8, 0.9, 0.1]), tensor("label", [2], [1, 0])];
    expect(rowPredictions(binary, outputs, 2)).toEqual([
      { score: 0.8, predicted: 1 },
      { score: 0.1, predicted: 0 },
    ]);
    const withoutLabel = { kind: "binary-classification", probabilityOutput: "probability" } as const;
    expect(rowPredictions(withoutLabel, [tensor("probability", [1, 1], [0.5])], 1)).toEqual([
      { score: 0.5, predicted: 1 },
    ]);
    expect(rowPredictions({ kind: "regression", output: "y" }, [tensor("y", [2, 1], [3, 4])], 2)).toEqual([
      { score: 3, predicted: 3 },
      { score: 4, predicted: 4 },
    ]);
  });

  it('reads a logged answer\'s "NaN" and "Infinity" as the numbers they stand for', () => {
    const y: WireTensor = { name: "y", datatype: "FP32", shape: [2, 1], data: ["NaN", "-Infinity"] };
    expect(rowPredictions({ kind: "regression", output: "y" }, [y], 2)).toEqual([
      { score: Number.NaN, predicted: Number.NaN },
      { score: -Infinity, predicted: -Infinity },
    ]);
  });

  it("names what does not fit the task instead of scoring it", () => {
    expect(rowPredictions(binary, [], 1)).toBe("the logged answer has no output 'probability'");
    expect(rowPredictions(binary, [tensor("probability", [1, 3], [0.1, 0.2, 0.7])], 1)).toBe(
      "output 'probability' has 3 values per row; expected 1 or 2",
    );
    expect(rowPredictions({ kind: "regression", output: "y" }, [tensor("y", [3], [1, 2, 3])], 2)).toBe(
      "output 'y' does not split into 2 rows",
    );
  });

  it("computes accuracy, precision, recall, ROC AUC and log loss, and MAE and RMSE", () => {
    const rows = [
      { score: 0.9, predicted: 1, label: 1 },
      { score: 0.7, predicted: 1, label: 0 },
      { score: 0.4, predicted: 0, label: 1 },
      { score: 0.1, predicted: 0, label: 0 },
    ];
    const metrics = realizedMetrics(binary, rows);
    expect(metrics).toMatchObject({ accuracy: 0.5, precision: 0.5, recall: 0.5, roc_auc: 0.75 });
    // −(ln 0.9 + ln 0.3 + ln 0.4 + ln 0.9) / 4
    expect(metrics.log_loss).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.3) + Math.log(0.4) + Math.log(0.9)) / 4,
      12,
    );
    expect(
      realizedMetrics({ kind: "regression", output: "y" }, [
        { score: 1, predicted: 1, label: 2 },
        { score: 5, predicted: 5, label: 2 },
      ]),
    ).toEqual({ mae: 2, rmse: Math.sqrt(5) });
    expect(realizedMetrics(binary, [])).toEqual({});
  });

  it("checks a label's type against the task", () => {
    expect(labelProblem(binary, 1)).toBeNull();
    expect(labelProblem(binary, true)).toBeNull();
    expect(labelProblem(binary, 0.5)).toBe("a binary classifier's label must be 0 or 1 (or false or true)");
    expect(labelProblem({ kind: "regression", output: "y" }, "3")).toBe(
      "a regression label must be a finite number",
    );
  });
});
