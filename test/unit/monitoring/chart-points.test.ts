import { describe, expect, it } from "vitest";
import { emptyRoleCounts, emptyRunCounts } from "@/server/contracts/live-counters";
import {
  CHART_PLANS,
  CHART_RANGES,
  HOUR_MS,
  MINUTE_MS,
  bucketStarts,
  chartWindowOf,
  rolePointOf,
  versionPointOf,
} from "@/server/domain/monitoring/chart-points";
import { healthOf } from "@/server/domain/monitoring/health";
import {
  emptyHistogram,
  latencyBucketOf,
  percentileUs,
  percentilesUs,
} from "@/server/domain/monitoring/latency-histogram";
import { createPrng } from "@/server/domain/prng";
import { emptyCostCounts } from "@/server/domain/monitoring/rollup-counts";

const counts = (extra = {}) => ({
  ...emptyRoleCounts(),
  ...emptyRunCounts(),
  ...emptyCostCounts(),
  ...extra,
});
const now = Date.UTC(2026, 11, 2, 10, 17, 30);

describe("chart windows", () => {
  it("end with the open bucket and hold the plan's points for every range", () => {
    for (const range of CHART_RANGES) {
      const window = chartWindowOf(range, now);
      const starts = bucketStarts(window);
      expect(starts).toHaveLength(CHART_PLANS[range].points);
      expect(starts.at(-1)).toBe(window.openBucketStartMs);
      expect(window.openBucketStartMs).toBeLessThanOrEqual(now);
      expect(window.toMs).toBeGreaterThan(now);
      expect(starts[1]! - starts[0]!).toBe(window.bucketMs);
    }
  });

  it("read five-minute rows for 24 hours and hour rows for longer, the last two buckets from minutes", () => {
    const day = chartWindowOf("24h", now);
    expect(day).toMatchObject({
      granularity: "fiveMinute",
      openBucketStartMs: Date.UTC(2026, 11, 2, 10, 15),
    });
    expect(day.coarseRowsUntilMs).toBe(day.openBucketStartMs - 5 * MINUTE_MS);
    const week = chartWindowOf("7d", now);
    expect(week).toMatchObject({ granularity: "hour", openBucketStartMs: Date.UTC(2026, 11, 2, 10) });
    expect(week.coarseRowsUntilMs).toBe(week.openBucketStartMs - HOUR_MS);
    expect(chartWindowOf("1h", now).coarseRowsUntilMs).toBe(chartWindowOf("1h", now).fromMs);
  });
});

describe("chart points", () => {
  it("give rates per second of the time covered, so the open bucket does not dip", () => {
    const closed = rolePointOf(counts({ requests: 600 }), now - 90_000, { bucketMs: MINUTE_MS, nowMs: now });
    const open = rolePointOf(counts({ requests: 300 }), now - 30_000, { bucketMs: MINUTE_MS, nowMs: now });
    expect(closed).toMatchObject({ incomplete: false, requestsPerSecond: 10 });
    expect(open).toMatchObject({ incomplete: true, requestsPerSecond: 10 });
  });

  it("read percentiles from the histogram, error rates by kind and means, null without data", () => {
    const latency = emptyRoleCounts().latency;
    latency[latencyBucketOf(1_000)] = 98;
    latency[latencyBucketOf(90_000)] = 2;
    const point = rolePointOf(
      counts({
        requests: 110,
        okRequests: 100,
        latency,
        errors: { ...emptyRoleCounts().errors, overload: 10 },
        ranRequests: 4,
        queueWaitSumUs: 40,
      }),
      0,
      { bucketMs: MINUTE_MS, nowMs: now },
    );
    expect(point).toMatchObject({
      latencyP50Us: percentileUs(latency, 0.5),
      latencyP99Us: percentileUs(latency, 0.99),
      meanQueueWaitUs: 10,
    });
    expect(point.latencyP99Us).toBeGreaterThan(point.latencyP95Us!);
    expect(point.errorRates).toMatchObject({ overload: 10 / 110, badInput: 0 });
    const empty = rolePointOf(counts(), 0, { bucketMs: MINUTE_MS, nowMs: now });
    expect(empty).toMatchObject({ latencyP50Us: null, meanComputeUs: null, errorRates: { overload: null } });
  });

  it("give a version's cost per call, utilization and margins", () => {
    const point = versionPointOf(
      counts({
        requests: 1_000,
        runs: 10,
        runRowsSum: 50,
        allocatedUs: 60_000_000,
        busyComputeUs: 15_000_000,
        allocatedCostMicros: 4_000,
        busyCostMicros: 1_000,
      }),
      0,
      {
        bucketMs: MINUTE_MS,
        nowMs: now,
        economics: { targetCostMicrosPer1kCalls: 5_000, revenueMicrosPer1kCalls: null },
      },
    );
    expect(point).toMatchObject({
      rowsPerRun: 5,
      allocatedCostPerCallMicros: 4,
      busyCostPerCallMicros: 1,
      utilization: 0.25,
      targetMarginPerCallMicros: 1,
      revenueMarginPerCallMicros: null,
    });
  });
});

describe("percentiles in one pass", () => {
  it("equal percentileUs at each share, overflow and empty histograms included", () => {
    const random = createPrng(3);
    const shares = [0, 0.5, 0.95, 0.99, 1];
    for (let trial = 0; trial < 50; trial += 1) {
      const counts = emptyHistogram().map(() => (random.next() < 0.2 ? random.int(0, 50) : 0));
      expect(percentilesUs(counts, shares)).toEqual(shares.map((q) => percentileUs(counts, q)));
    }
    expect(percentilesUs(emptyHistogram(), [0.5])).toEqual([null]);
  });
});

describe("deployment health", () => {
  it("follows the service's errors, not the callers' bad input", () => {
    expect(healthOf({ served: false, requests: 10, serviceErrors: 0 })).toBe("unserved");
    expect(healthOf({ served: true, requests: 0, serviceErrors: 0 })).toBe("idle");
    expect(healthOf({ served: true, requests: 1_000, serviceErrors: 9 })).toBe("healthy");
    expect(healthOf({ served: true, requests: 1_000, serviceErrors: 10 })).toBe("degraded");
    expect(healthOf({ served: true, requests: 1_000, serviceErrors: 50 })).toBe("failing");
  });
});
