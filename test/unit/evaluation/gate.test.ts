import { describe, expect, it } from "vitest";
import { describeGateFailures, gateFailures } from "@/server/domain/evaluation/gate";

const production = { accuracy: 0.95, roc_auc: 0.829, log_loss: 0.15 };

describe("the evaluation gate", () => {
  it("names every metric worse than production's by more than the margin, whichever way is better", () => {
    const candidate = { accuracy: 0.951, roc_auc: 0.674, log_loss: 0.2 };
    expect(gateFailures(candidate, production, 0.01)).toEqual([
      { metric: "roc_auc", candidate: 0.674, baseline: 0.829 },
      { metric: "log_loss", candidate: 0.2, baseline: 0.15 },
    ]);
  });

  it("passes a candidate that is better, or worse by at most the margin", () => {
    expect(gateFailures({ accuracy: 0.97, roc_auc: 0.906, log_loss: 0.1 }, production, 0)).toEqual([]);
    // 0.83 - 0.82 is 0.010000000000000009 in doubles: still within a margin of 0.01.
    expect(gateFailures({ roc_auc: 0.82 }, { roc_auc: 0.83 }, 0.01)).toEqual([]);
    expect(gateFailures({ mae: 1.5 }, { mae: 1.25 }, 0.25)).toEqual([]);
    expect(gateFailures({ mae: 1.51 }, { mae: 1.25 }, 0.25)).toEqual([
      { metric: "mae", candidate: 1.51, baseline: 1.25 },
    ]);
  });

  it("fails a metric the candidate lacks, and skips one production could not measure", () => {
    expect(gateFailures({ accuracy: 0.95, log_loss: 0.15 }, production, 0.01)).toEqual([
      { metric: "roc_auc", candidate: null, baseline: 0.829 },
    ]);
    expect(gateFailures({ roc_auc: null, accuracy: 0.9 }, { roc_auc: null, accuracy: 0.9 }, 0)).toEqual([]);
  });

  it("describes the failures with both values", () => {
    const failures = gateFailures({ accuracy: 0.95, roc_auc: 0.67412, log_loss: 0.2 }, production, 0.01);
    expect(describeGateFailures(failures, "v1")).toBe("roc_auc 0.6741 (v1: 0.829), log_loss 0.2 (v1: 0.15)");
    expect(describeGateFailures([{ metric: "rmse", candidate: null, baseline: 2 }], "v4")).toBe(
      "rmse not measured (v4: 2)",
    );
  });
});
