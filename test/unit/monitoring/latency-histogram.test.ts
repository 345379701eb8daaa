import { describe, expect, it } from "vitest";
import {
  LATENCY_BOUNDS_US,
  LATENCY_BUCKET_COUNT,
  PROMETHEUS_BOUNDS_US,
  addHistogram,
  emptyHistogram,
  histogramOfJoinedCounts,
  latencyBucketOf,
  percentileUs,
} from "@/server/domain/monitoring/latency-histogram";
import { createPrng } from "@/server/domain/prng";

describe("latency histogram", () => {
  it("has ascending bounds about 19% apart, from 50 µs to minutes", () => {
    expect(LATENCY_BOUNDS_US[0]).toBe(50);
    expect(LATENCY_BOUNDS_US.at(-1)).toBeGreaterThan(180_000_000);
    for (let index = 1; index < LATENCY_BOUNDS_US.length; index += 1) {
      const ratio = LATENCY_BOUNDS_US[index]! / LATENCY_BOUNDS_US[index - 1]!;
      expect(ratio).toBeGreaterThan(1.15);
      expect(ratio).toBeLessThan(1.23);
    }
    expect(PROMETHEUS_BOUNDS_US.slice(0, 4)).toEqual([50, 100, 200, 400]);
  });

  it("puts a duration in the bucket whose bounds hold it, edges included", () => {
    expect(latencyBucketOf(0)).toBe(0);
    expect(latencyBucketOf(50)).toBe(0);
    expect(latencyBucketOf(50.1)).toBe(1);
    for (let index = 1; index < LATENCY_BOUNDS_US.length; index += 1) {
      expect(latencyBucketOf(LATENCY_BOUNDS_US[index]!)).toBe(index);
      expect(latencyBucketOf(LATENCY_BOUNDS_US[index - 1]! + 0.5)).toBe(index);
    }
    expect(latencyBucketOf(1e12)).toBe(LATENCY_BUCKET_COUNT - 1);
    expect(latencyBucketOf(Number.NaN)).toBe(0);
  });

  it("finds the bucket by arithmetic exactly as counting the bounds below a duration would", () => {
    const byCounting = (durationUs: number) => LATENCY_BOUNDS_US.filter((bound) => bound < durationUs).length;
    const random = createPrng(11);
    const durations = [
      ...LATENCY_BOUNDS_US.flatMap((bound) => [bound - 1, bound - 0.001, bound, bound + 0.001, bound + 1]),
      // Every power of two, where the search starts, and either side of it.
      ...Array.from({ length: 33 }, (_, bits) => [2 ** bits - 0.5, 2 ** bits, 2 ** bits + 0.5]).flat(),
      ...Array.from({ length: 5_000 }, () => Math.exp(random.next() * 20)),
      -1,
      Number.POSITIVE_INFINITY,
    ];
    for (const durationUs of durations)
      expect(latencyBucketOf(durationUs), `${durationUs} µs`).toBe(byCounting(durationUs));
  });

  it("reads percentiles within one bucket of the exact value, after adding histograms up", () => {
    const random = createPrng(7);
    const durations = Array.from({ length: 20_000 }, () => Math.round(1_000 * Math.exp(random.next() * 4)));
    // Two "gateways" count halves; their sum is read.
    const [first, second] = [emptyHistogram(), emptyHistogram()];
    durations.forEach((duration, index) => ((index % 2 ? first : second)[latencyBucketOf(duration)]! += 1));
    const total = addHistogram(first, second);
    const sorted = [...durations].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const read = percentileUs(total, q)!;
      expect(read).toBeGreaterThanOrEqual(exact);
      expect(latencyBucketOf(read)).toBe(latencyBucketOf(exact));
    }
    expect(percentileUs(emptyHistogram(), 0.5)).toBeNull();
  });

  it("reads a histogram Postgres joined by commas, padding a shorter one and cutting a longer one", () => {
    const random = createPrng(5);
    for (let trial = 0; trial < 200; trial += 1) {
      const length = random.int(1, LATENCY_BUCKET_COUNT + 10);
      const counts = Array.from({ length }, () => (random.next() < 0.6 ? 0 : random.int(0, 2 ** 31 - 1)));
      const expected = [...counts.slice(0, LATENCY_BUCKET_COUNT), ...emptyHistogram()].slice(
        0,
        LATENCY_BUCKET_COUNT,
      );
      expect(histogramOfJoinedCounts(counts.join(","))).toEqual(expected);
    }
    expect(histogramOfJoinedCounts("")).toEqual(emptyHistogram());
  });
});
