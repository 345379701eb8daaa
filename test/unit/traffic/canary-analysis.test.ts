import { describe, expect, it } from "vitest";
import {
  decideCanaryStep,
  ZCanaryAnalysisSettings,
  type VersionFigures,
} from "@/server/domain/traffic/canary-analysis";
import { formatZodIssues } from "@/server/domain/zod-message";

const settings = ZCanaryAnalysisSettings.parse({ stepPercent: 10, maxPercent: 30, minRequests: 50 });
const stable: VersionFigures = { requests: 900, errorRate: 0.01, latencyP95Ms: 20, rocAuc: 0.9 };
const healthy: VersionFigures = { requests: 100, errorRate: 0.012, latencyP95Ms: 24, rocAuc: 0.905 };

describe("canary analysis", () => {
  it("steps a canary within bounds up, and promotes it past the maximum", () => {
    const first = decideCanaryStep({
      weightPercent: 10,
      canary: healthy,
      stable,
      settings,
      inconclusiveSoFar: 0,
    });
    expect(first).toMatchObject({ kind: "step", weightPercent: 20 });
    if (first.kind !== "step") throw new Error("expected a step");
    expect(first.checks.map((check) => [check.name, check.passed])).toEqual([
      ["error rate", true],
      ["p95 latency", true],
      ["ROC AUC", true],
    ]);
    expect(
      decideCanaryStep({ weightPercent: 30, canary: healthy, stable, settings, inconclusiveSoFar: 0 }),
    ).toMatchObject({
      kind: "promote",
    });
  });

  it("rolls back at the first failed check, naming the figures", () => {
    const regressed = { ...healthy, rocAuc: 0.68 };
    expect(
      decideCanaryStep({ weightPercent: 20, canary: regressed, stable, settings, inconclusiveSoFar: 0 }),
    ).toMatchObject({
      kind: "rollback",
      reason: "ROC AUC 0.68 against the stable version's 0.9 (limit 0.88)",
    });
    const slow = { ...healthy, latencyP95Ms: 45 };
    expect(
      decideCanaryStep({ weightPercent: 10, canary: slow, stable, settings, inconclusiveSoFar: 0 }),
    ).toMatchObject({
      kind: "rollback",
      reason: "p95 latency 45 against the stable version's 20 (limit 30)",
    });
  });

  it("judges only the figures both versions have: no labels, no quality check", () => {
    const unlabelled = { ...healthy, rocAuc: null };
    const decision = decideCanaryStep({
      weightPercent: 10,
      canary: unlabelled,
      stable,
      settings,
      inconclusiveSoFar: 0,
    });
    if (decision.kind !== "step") throw new Error("expected a step");
    expect(decision.checks.map((check) => check.name)).toEqual(["error rate", "p95 latency"]);
  });

  it("is inconclusive with too few requests, and pauses after maxInconclusive in a row", () => {
    const quiet = { ...healthy, requests: 12 };
    expect(
      decideCanaryStep({ weightPercent: 10, canary: quiet, stable, settings, inconclusiveSoFar: 0 }),
    ).toEqual({
      kind: "inconclusive",
      pause: false,
      reason: "the canary answered 12 requests in the interval, fewer than the 50 needed to judge it",
    });
    expect(
      decideCanaryStep({ weightPercent: 10, canary: quiet, stable, settings, inconclusiveSoFar: 2 }),
    ).toMatchObject({
      kind: "inconclusive",
      pause: true,
    });
  });

  it("refuses settings that cannot work, in sentences", () => {
    const bad = ZCanaryAnalysisSettings.safeParse({ stepPercent: 40, maxPercent: 30 });
    expect(formatZodIssues(bad.error!)).toContain(
      "the step must not be larger than the maximum canary weight",
    );
    expect(ZCanaryAnalysisSettings.safeParse({ intervalMinutes: -1 }).success).toBe(false);
  });
});
