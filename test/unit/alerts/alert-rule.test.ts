import { describe, expect, it } from "vitest";
import { alertSentence, ZAlertCondition } from "@/server/domain/alerts/alert-rule";
import { formatInputIssues } from "@/server/domain/zod-message";

function problem(input: unknown): string {
  const parsed = ZAlertCondition.safeParse(input);
  if (parsed.success) throw new Error("expected a refusal");
  return formatInputIssues(parsed.error);
}

describe("alert rule condition", () => {
  it("takes a known metric with defaults for window and for-duration", () => {
    expect(ZAlertCondition.parse({ metric: "drift_share", comparator: ">=", threshold: 0.5 })).toEqual({
      metric: "drift_share",
      comparator: ">=",
      threshold: 0.5,
      windowMinutes: 5,
      forMinutes: 0,
    });
  });

  it("refuses an unknown metric in a sentence listing the known ones", () => {
    expect(problem({ metric: "vibes", comparator: ">", threshold: 1 })).toBe(
      '"vibes" is not a metric alerts know; use one of latency_p95_ms, latency_p99_ms, error_rate, drift_share, drift_score_max, output_drift_score_max, missing_share_max, realized_roc_auc, estimated_roc_auc, cost_per_1k_calls_micros, queue_depth.',
    );
  });

  it("refuses a negative or oversized window, a negative for-duration, a bad comparator", () => {
    const base = { metric: "error_rate", comparator: ">", threshold: 0.1 };
    expect(problem({ ...base, windowMinutes: -5 })).toBe(
      "The window must be at least 1 minute (a negative or zero window covers no time).",
    );
    expect(problem({ ...base, windowMinutes: 1441 })).toBe(
      "The window must be at most 1440 minutes (a day).",
    );
    expect(problem({ ...base, forMinutes: -1 })).toBe(
      "The for-duration cannot be negative; 0 fires at once.",
    );
    expect(problem({ ...base, comparator: "==" })).toBe("The comparator must be one of > >= < <=.");
    expect(problem({ ...base, threshold: Number.NaN })).toMatch(/threshold/);
  });

  it("says what fired and what resolved", () => {
    const rule = {
      name: "drift",
      metric: "drift_share" as const,
      comparator: ">=" as const,
      threshold: 0.5,
      windowMinutes: 60,
      deploymentName: "card-fraud-prod",
    };
    expect(alertSentence(rule, 0.5714285, "fired")).toBe(
      "drift: drift_share is 0.5714, >= 0.5 over 60 min on card-fraud-prod",
    );
    expect(alertSentence(rule, null, "resolved")).toBe(
      "drift resolved: drift_share has no data, no longer >= 0.5 on card-fraud-prod",
    );
  });
});
