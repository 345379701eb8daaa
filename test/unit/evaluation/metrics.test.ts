import { describe, expect, it } from "vitest";
import {
  LOG_LOSS_EPSILON,
  accuracy,
  logLoss,
  rocAuc,
} from "@/server/domain/evaluation/classification-metrics";
import {
  maxAbsoluteDifference,
  meanAbsoluteError,
  rootMeanSquaredError,
} from "@/server/domain/evaluation/regression-metrics";

describe("classification metrics", () => {
  it("ROC AUC of the textbook example is 0.75", () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
  });

  it("ROC AUC counts a tie between a positive and a negative as half a correct pair", () => {
    // Pairs: 0.5 vs 0.1 right, 0.5 vs 0.5 tied, 0.9 beats both: (1 + 0.5 + 2) / 4.
    expect(rocAuc([0.1, 0.5, 0.5, 0.9], [0, 0, 1, 1])).toBeCloseTo(0.875, 12);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBeCloseTo(0.5, 12);
    // Order of the rows does not matter, only the ranks.
    expect(rocAuc([0.9, 0.5, 0.1, 0.5], [1, 1, 0, 0])).toBeCloseTo(0.875, 12);
  });

  it("ROC AUC is NaN when the labels hold one class only", () => {
    expect(rocAuc([0.2, 0.7], [1, 1])).toBeNaN();
    expect(rocAuc([0.2, 0.7], [0, 0])).toBeNaN();
  });

  it("log loss is the mean negative log-likelihood, with probabilities clipped away from 0 and 1", () => {
    expect(logLoss([0.9, 0.1], [1, 0])).toBeCloseTo(-Math.log(0.9), 12);
    expect(logLoss([0.5], [1])).toBeCloseTo(Math.LN2, 12);
    // A confident wrong answer costs -ln(epsilon), not infinity.
    expect(logLoss([0], [1])).toBeCloseTo(-Math.log(LOG_LOSS_EPSILON), 9);
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(LOG_LOSS_EPSILON), 6);
    expect(logLoss([0, 0.5], [1, 1])).toBeCloseTo((16.11809565 + Math.LN2) / 2, 6);
  });

  it("accuracy is the share of matching labels", () => {
    expect(accuracy([1, 0, 1, 1], [1, 0, 0, 1])).toBe(0.75);
  });
});

describe("regression metrics", () => {
  it("MAE and RMSE on known values", () => {
    expect(meanAbsoluteError([1, 2, 3], [1, 3, 5])).toBe(1);
    expect(rootMeanSquaredError([1, 2, 3], [1, 3, 5])).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it("max absolute difference is the largest gap, whichever side it is on", () => {
    expect(maxAbsoluteDifference([1, 2.5, -4], [1, 2, -3.25])).toBe(0.75);
    expect(maxAbsoluteDifference([1, 2], [1, 2])).toBe(0);
  });
});
