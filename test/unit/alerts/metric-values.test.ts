import { describe, expect, it } from "vitest";
import {
  driftMetricValue,
  qualityMetricValue,
  rollupMetricValue,
} from "@/server/domain/alerts/metric-values";
import { latencyBucketOf, LATENCY_BOUNDS_US } from "@/server/domain/monitoring/latency-histogram";
import { emptyRoleCounts, emptyRunCounts } from "@/server/contracts/live-counters";
import { emptyCostCounts } from "@/server/domain/monitoring/rollup-counts";

function counts() {
  return { ...emptyRoleCounts(), ...emptyRunCounts(), ...emptyCostCounts() };
}

describe("alert metric values", () => {
  it("has no value without requests", () => {
    expect(rollupMetricValue("latency_p95_ms", counts())).toBeNull();
    expect(rollupMetricValue("error_rate", counts())).toBeNull();
  });

  it("reads p95 in ms from the latency histogram, the error rate without bad input, cost per 1k calls", () => {
    const window = counts();
    window.requests = 100;
    window.okRequests = 90;
    window.errors.badInput = 5;
    window.errors.modelError = 3;
    window.errors.deadline = 2;
    window.allocatedCostMicros = 50;
    for (let index = 0; index < 94; index++) window.latency[latencyBucketOf(2_000)]! += 1;
    for (let index = 0; index < 6; index++) window.latency[latencyBucketOf(80_000)]! += 1;
    const p95Us = LATENCY_BOUNDS_US[latencyBucketOf(80_000)]!;
    expect(rollupMetricValue("latency_p95_ms", window)).toBe(p95Us / 1000);
    expect(rollupMetricValue("error_rate", window)).toBeCloseTo(0.05);
    expect(rollupMetricValue("cost_per_1k_calls_micros", window)).toBeCloseTo(500);
  });

  it("takes the worst version's drift figure, and none without reports", () => {
    const report = (
      share: number | null,
      psis: (number | null)[],
      missing: number[],
      outputPsis: (number | null)[] = [],
    ) => ({
      dataset: { driftedShare: share },
      features: psis.map((psi, index) => ({ psi, quality: { missingShare: missing[index] ?? 0 } })),
      outputs: outputPsis.map((psi) => ({ psi })),
    });
    const reports = [report(0.2, [0.1, null], [0, 0.3], [0.7, null]), report(0.6, [0.4, 0.05], [0.1, 0])];
    expect(driftMetricValue("drift_share", reports)).toBe(0.6);
    expect(driftMetricValue("drift_score_max", reports)).toBe(0.4);
    expect(driftMetricValue("output_drift_score_max", reports)).toBe(0.7);
    // Reports before outputs were judged, or of versions with no output reference yet.
    expect(driftMetricValue("output_drift_score_max", [report(0.2, [0.1], [0])])).toBeNull();
    expect(driftMetricValue("missing_share_max", reports)).toBe(0.3);
    expect(driftMetricValue("drift_share", [])).toBeNull();
    expect(driftMetricValue("drift_share", [report(null, [], [])])).toBeNull();
  });

  it("takes the lowest known quality among versions", () => {
    expect(qualityMetricValue([0.9, null, 0.7])).toBe(0.7);
    expect(qualityMetricValue([null])).toBeNull();
  });
});
