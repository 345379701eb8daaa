import { describe, expect, it } from "vitest";
import {
  AdaptiveConcurrencyLimit,
  type AdaptiveLimitOptions,
} from "@/server/domain/admission/adaptive-concurrency-limit";

const OPTIONS: AdaptiveLimitOptions = {
  minLimit: 4,
  maxLimit: 256,
  tolerance: 2,
  windowMs: 100,
  minWindowSamples: 10,
  baselineRefreshMs: 60_000,
};

/** Feeds `windows` windows of 21 answers each, 5 ms apart, so each spans the 100 ms window. */
function feed(
  limit: AdaptiveConcurrencyLimit,
  clock: { nowMs: number },
  windows: number,
  answer: { latencyMs: number; inFlight: (limit: number) => number },
) {
  for (let window = 0; window < windows * 21; window += 1)
    limit.record(answer.latencyMs, 1, answer.inFlight(limit.limit), (clock.nowMs += 5));
}

const fullyUsed = (limit: number) => limit;

describe("AdaptiveConcurrencyLimit", () => {
  it("starts at its cap, and after a cut rises by about its square root per window that uses half of it", () => {
    const limit = new AdaptiveConcurrencyLimit(OPTIONS);
    const clock = { nowMs: 0 };
    expect(limit.limit).toBe(256);
    feed(limit, clock, 1, { latencyMs: 5, inFlight: fullyUsed });
    feed(limit, clock, 1, { latencyMs: 500, inFlight: fullyUsed });
    expect(limit.limit).toBe(4);
    feed(limit, clock, 1, { latencyMs: 5, inFlight: fullyUsed });
    expect(limit.limit).toBe(6);
    feed(limit, clock, 1, { latencyMs: 5, inFlight: fullyUsed });
    expect(limit.limit).toBe(8);
    feed(limit, clock, 40, { latencyMs: 5, inFlight: fullyUsed });
    expect(limit.limit).toBe(256);
  });

  it("does not rise while traffic uses less than half of it", () => {
    const limit = new AdaptiveConcurrencyLimit({ ...OPTIONS, minLimit: 20 });
    const clock = { nowMs: 0 };
    feed(limit, clock, 1, { latencyMs: 5, inFlight: fullyUsed });
    feed(limit, clock, 1, { latencyMs: 500, inFlight: fullyUsed });
    expect(limit.limit).toBe(20);
    feed(limit, clock, 10, { latencyMs: 5, inFlight: () => 9 });
    expect(limit.limit).toBe(20);
  });

  it("waits for a window's time and its minimum of samples before judging it", () => {
    const limit = new AdaptiveConcurrencyLimit(OPTIONS);
    const clock = { nowMs: 0 };
    feed(limit, clock, 1, { latencyMs: 5, inFlight: fullyUsed });
    // Nine slow answers over a long time: too few to judge; the tenth ends the window.
    for (let sample = 1; sample <= 9; sample += 1) limit.record(500, 1, 256, (clock.nowMs += 1_000));
    expect(limit.limit).toBe(256);
    limit.record(500, 1, 256, (clock.nowMs += 1_000));
    expect(limit.limit).toBe(4);
  });

  it("cuts the limit to what the window's throughput completes within the tolerated latency", () => {
    const limit = new AdaptiveConcurrencyLimit(OPTIONS);
    const clock = { nowMs: 0 };
    feed(limit, clock, 1, { latencyMs: 5, inFlight: fullyUsed });
    // 21 answers in 100 ms at 50 ms, ten times the 5 ms baseline: 0.21 per ms completes in 10 ms
    // of tolerated latency with 2.1 in flight, below the floor.
    feed(limit, clock, 1, { latencyMs: 50, inFlight: fullyUsed });
    expect(limit.limit).toBe(4);
    feed(limit, clock, 40, { latencyMs: 5, inFlight: fullyUsed });
    // 1,000 answers in 100 ms: 10 per ms, 100 in flight within 10 ms.
    const changes = Array.from({ length: 1_001 }, (_, sample) =>
      limit.record(50, 1, 256, clock.nowMs + sample / 10),
    );
    expect(limit.limit).toBe(100);
    expect(changes.at(-1)).toEqual({ limit: 100, previousLimit: 256, windowLatencyMs: 50, baselineMs: 5 });
  });

  it("cuts by at least a tenth when latency is above tolerance, and never below its floor", () => {
    const limit = new AdaptiveConcurrencyLimit(OPTIONS);
    const clock = { nowMs: 0 };
    feed(limit, clock, 40, { latencyMs: 5, inFlight: fullyUsed });
    // Just above tolerance at a throughput that would allow more than the limit (a full window of
    // 1,024 answers in 32 ms: 320 in flight within 10 ms): cut by a tenth.
    for (let sample = 0; sample < 1_024; sample += 1) limit.record(10.5, 1, 256, (clock.nowMs += 1 / 32));
    expect(limit.limit).toBe(230);
    feed(limit, clock, 100, { latencyMs: 1_000, inFlight: fullyUsed });
    expect(limit.limit).toBe(4);
  });

  it("follows the window's 90th percentile, so a few slow answers do not cut it", () => {
    const limit = new AdaptiveConcurrencyLimit(OPTIONS);
    const clock = { nowMs: 0 };
    feed(limit, clock, 40, { latencyMs: 5, inFlight: fullyUsed });
    for (let sample = 0; sample < 21; sample += 1)
      limit.record(sample < 19 ? 5 : 500, 1, 256, (clock.nowMs += 5));
    expect(limit.limit).toBe(256);
  });

  it("re-measures its baseline with one window at its floor, then goes back to where it was", () => {
    const limit = new AdaptiveConcurrencyLimit({ ...OPTIONS, baselineRefreshMs: 5_000 });
    const clock = { nowMs: 0 };
    feed(limit, clock, 40, { latencyMs: 5, inFlight: fullyUsed });
    expect(limit.limit).toBe(256);
    // The refresh is due 5 s after the first window ended: the window that ends then drops the limit.
    while (limit.limit === 256 && clock.nowMs < 10_000)
      feed(limit, clock, 1, { latencyMs: 5, inFlight: fullyUsed });
    expect(limit.limit).toBe(4);
    expect(clock.nowMs).toBeGreaterThanOrEqual(5_105);
    expect(clock.nowMs).toBeLessThan(5_105 + 105);
    // The model got slower: 12 ms at the floor is the new baseline, and 20 ms is within tolerance.
    feed(limit, clock, 1, { latencyMs: 12, inFlight: fullyUsed });
    expect(limit.limit).toBe(256);
    feed(limit, clock, 5, { latencyMs: 20, inFlight: fullyUsed });
    expect(limit.limit).toBe(256);
  });

  it("rejects a floor above its cap and a tolerance of 1 or less", () => {
    expect(() => new AdaptiveConcurrencyLimit({ ...OPTIONS, minLimit: 300 })).toThrow(/minLimit/);
    expect(() => new AdaptiveConcurrencyLimit({ ...OPTIONS, tolerance: 1 })).toThrow(/tolerance/);
  });

  it("bounds the age of a request in flight at twice the tolerated latency, once it has a baseline", () => {
    const limit = new AdaptiveConcurrencyLimit(OPTIONS);
    const clock = { nowMs: 0 };
    expect(limit.maxInFlightAgeMs).toBeNull();
    feed(limit, clock, 1, { latencyMs: 5, inFlight: fullyUsed });
    expect(limit.maxInFlightAgeMs).toBe(5 * 2 * 2);
  });
});
