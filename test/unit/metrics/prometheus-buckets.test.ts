import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import {
  LATENCY_BOUNDS_US,
  PROMETHEUS_BOUNDS_US,
  emptyHistogram,
  latencyBucketOf,
} from "@/server/domain/monitoring/latency-histogram";
import { FoldedCounter, FoldedHistogram } from "@/server/metrics/folded-metrics";
import { DURATION_BUCKETS_SECONDS, durationBucketsOf } from "@/server/metrics/prometheus-common";

/** Durations on and around every fine bound, and past the last. */
const durationsUs = [
  0,
  1,
  ...LATENCY_BOUNDS_US.flatMap((bound) => [bound - 0.5, bound, bound + 0.5]),
  LATENCY_BOUNDS_US.at(-1)! * 3,
];

describe("durationBucketsOf", () => {
  it("puts each fine bucket's counts in the Prometheus bucket its durations belong to", () => {
    const fine = emptyHistogram();
    for (const us of durationsUs) fine[latencyBucketOf(us)]! += 1;
    const direct = new Array<number>(PROMETHEUS_BOUNDS_US.length + 1).fill(0);
    for (const us of durationsUs) {
      const index = PROMETHEUS_BOUNDS_US.findIndex((bound) => us <= bound);
      direct[index < 0 ? PROMETHEUS_BOUNDS_US.length : index]! += 1;
    }
    expect(durationBucketsOf(fine)).toEqual(direct);
    expect(DURATION_BUCKETS_SECONDS).toEqual(PROMETHEUS_BOUNDS_US.map((us) => us / 1e6));
  });
});

describe("folded metrics", () => {
  it("render sums as Prometheus counters and cumulative histograms", async () => {
    const registry = new Registry();
    const counter = new FoldedCounter("t_requests_total", "requests", registry);
    const histogram = new FoldedHistogram("t_duration_seconds", "durations", [0.1, 1], registry);
    counter.add({ version: "1" }, 2);
    counter.add({ version: "1" }, 3);
    counter.add({ version: "2" }, 0);
    histogram.add({ version: "1" }, [1, 0, 2], 7.5);
    histogram.add({ version: "1" }, [0, 1, 0], 0.5);
    expect(await registry.metrics()).toBe(
      [
        "# HELP t_requests_total requests",
        "# TYPE t_requests_total counter",
        't_requests_total{version="1"} 5',
        "",
        "# HELP t_duration_seconds durations",
        "# TYPE t_duration_seconds histogram",
        't_duration_seconds_bucket{version="1",le="0.1"} 1',
        't_duration_seconds_bucket{version="1",le="1"} 2',
        't_duration_seconds_bucket{version="1",le="+Inf"} 4',
        't_duration_seconds_sum{version="1"} 8',
        't_duration_seconds_count{version="1"} 4',
        "",
      ].join("\n"),
    );
  });
});
