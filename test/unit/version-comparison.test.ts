import { describe, expect, it } from "vitest";
import { compareMetrics } from "@/server/domain/version-comparison";

describe("compareMetrics", () => {
  it("compares the metrics both versions have, knowing which way is better", () => {
    expect(
      compareMetrics(
        { auc: 0.674, logLoss: 0.61, f1: 0.5, extra: 1 },
        { auc: 0.906, logLoss: 0.33, f1: 0.5 },
      ),
    ).toEqual([
      { name: "auc", candidate: 0.674, production: 0.906, delta: 0.674 - 0.906, better: false },
      { name: "f1", candidate: 0.5, production: 0.5, delta: 0, better: null },
      { name: "logLoss", candidate: 0.61, production: 0.33, delta: 0.61 - 0.33, better: false },
    ]);
    expect(compareMetrics({ rmse: 1.2 }, { rmse: 1.5 })[0]!.better).toBe(true);
    expect(compareMetrics({ auc: 0.9 }, {})).toEqual([]);
  });
});
