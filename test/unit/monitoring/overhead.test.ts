import { describe, expect, it } from "vitest";
import {
  LATENCY_BOUNDS_US,
  emptyHistogram,
  latencyBucketOf,
} from "@/server/domain/monitoring/latency-histogram";
import { overheadOf, type OverheadCounts } from "@/server/domain/monitoring/overhead";

function histogramOf(durationsUs: number[]): number[] {
  const counts = emptyHistogram();
  for (const durationUs of durationsUs) counts[latencyBucketOf(durationUs)]! += 1;
  return counts;
}

const boundOf = (durationUs: number) => LATENCY_BOUNDS_US[latencyBucketOf(durationUs)]!;

function counts(overrides: Partial<OverheadCounts>): OverheadCounts {
  return {
    requests: 0,
    latency: emptyHistogram(),
    queueWait: emptyHistogram(),
    runs: 0,
    runRowsSum: 0,
    runCompute: emptyHistogram(),
    ...overrides,
  };
}

describe("overhead over plain onnxruntime", () => {
  it("reads the runs' p50, the answers' p50 and the time between them from the histograms", () => {
    // Three runs of 8 rows, 12 requests: each run's median is its own, not its requests'.
    const runsUs = [4_000, 5_000, 30_000];
    const answersUs = [
      6_000, 6_500, 7_000, 7_200, 8_000, 9_000, 9_500, 10_000, 40_000, 41_000, 42_000, 43_000,
    ];
    const overhead = overheadOf(
      counts({
        requests: 13,
        latency: histogramOf(answersUs),
        queueWait: histogramOf([200, 300, 900]),
        runs: runsUs.length,
        runRowsSum: 24,
        runCompute: histogramOf(runsUs),
      }),
    );
    expect(overhead).toEqual({
      requests: 13,
      runs: 3,
      rowsPerRun: 8,
      runP50Us: boundOf(5_000),
      answeredP50Us: boundOf(9_000),
      queueWaitP50Us: boundOf(300),
      addedUs: boundOf(9_000) - boundOf(5_000),
      addedShare: (boundOf(9_000) - boundOf(5_000)) / boundOf(9_000),
    });
    // Within one bucket of the exact medians, as the charts' percentiles are.
    expect(latencyBucketOf(overhead.runP50Us!)).toBe(latencyBucketOf(5_000));
  });

  it("answers null for what was not measured: no runs, no answers, or runs folded before they were timed", () => {
    expect(overheadOf(counts({}))).toEqual({
      requests: 0,
      runs: 0,
      rowsPerRun: null,
      runP50Us: null,
      answeredP50Us: null,
      queueWaitP50Us: null,
      addedUs: null,
      addedShare: null,
    });
    // Only errors: requests counted, no answer to time.
    const errorsOnly = overheadOf(
      counts({ requests: 4, runs: 1, runRowsSum: 2, runCompute: histogramOf([800]) }),
    );
    expect(errorsOnly).toMatchObject({ requests: 4, rowsPerRun: 2, runP50Us: boundOf(800) });
    expect(errorsOnly.addedUs).toBeNull();
    expect(errorsOnly.addedShare).toBeNull();
    // Runs counted by a worker that did not time them: rows per run known, the run's p50 not.
    const untimed = overheadOf(
      counts({ requests: 2, latency: histogramOf([900, 900]), runs: 2, runRowsSum: 6 }),
    );
    expect(untimed).toMatchObject({
      rowsPerRun: 3,
      runP50Us: null,
      answeredP50Us: boundOf(900),
      addedUs: null,
    });
  });

  it("keeps a negative difference rather than hiding it", () => {
    // One fast run merged ten requests, two slow runs had one each: the median run is slow, the
    // median answer fast. Counted per run and per request, the two medians need not be ordered.
    const overhead = overheadOf(
      counts({
        requests: 12,
        latency: histogramOf([...new Array<number>(10).fill(1_500), 6_000, 6_000]),
        runs: 3,
        runRowsSum: 12,
        runCompute: histogramOf([1_000, 5_000, 5_000]),
      }),
    );
    expect(overhead.addedUs).toBe(boundOf(1_500) - boundOf(5_000));
    expect(overhead.addedShare).toBeLessThan(0);
  });
});
