import { describe, expect, it } from "vitest";
import {
  decodeShadowStatsHash,
  decodeTrafficHash,
  encodeJobRelease,
  encodeRequestObservation,
  encodeSessionRun,
  encodeShadowObservation,
  parseTrafficMinuteMember,
  trafficMinuteMember,
  type RequestObservation,
} from "@/server/contracts/live-counters";
import { emptyHistogram, latencyBucketOf } from "@/server/domain/monitoring/latency-histogram";
import { emptyShadowStats } from "@/server/domain/traffic/shadow-comparison";

/** What Redis holds after HINCRBY of every increment: sums per field, as strings. */
function sumIntoHash(increments: [string, number][][]): Record<string, string> {
  const sums = new Map<string, number>();
  for (const [field, by] of increments.flat()) sums.set(field, (sums.get(field) ?? 0) + by);
  return Object.fromEntries([...sums].map(([field, value]) => [field, String(value)]));
}

const ran = (versionId: string, extra: Partial<RequestObservation> = {}): RequestObservation => ({
  versionId,
  role: "primary",
  error: null,
  latencyUs: 1_500.4,
  ran: { rows: 8, queueWaitUs: 200, computeUs: 900 },
  ...extra,
});

describe("traffic counter codec", () => {
  it("decodes what it encoded, per version and role, summed over requests", () => {
    const hash = sumIntoHash([
      encodeRequestObservation(ran("v-a")),
      encodeRequestObservation(
        ran("v-a", { error: "modelError", ran: { rows: 4, queueWaitUs: 200, computeUs: 100 } }),
      ),
      encodeRequestObservation(ran("v-a", { role: "shadow", latencyUs: 3_000 })),
      encodeRequestObservation(ran("v-b", { latencyUs: 10 })),
    ]);
    const decoded = decodeTrafficHash(hash);
    expect([...decoded.keys()].sort()).toEqual(["v-a", "v-b"]);
    const primary = decoded.get("v-a")!.roles.primary;
    expect(primary).toMatchObject({
      requests: 2,
      okRequests: 1,
      errors: { badInput: 0, modelError: 1, deadline: 0, overload: 0, unavailable: 0 },
      latencySumUs: 1_500,
      ranRequests: 2,
      rowsSum: 12,
      queueWaitSumUs: 400,
      computeSumUs: 1_000,
    });
    // Latency is a histogram of the ok requests; queue wait and compute of every request that ran.
    expect(primary.latency[latencyBucketOf(1_500)]).toBe(1);
    expect(primary.latency.reduce((a, b) => a + b)).toBe(1);
    expect(primary.queueWait[latencyBucketOf(200)]).toBe(2);
    expect(primary.compute[latencyBucketOf(900)]).toBe(1);
    expect(primary.compute[latencyBucketOf(100)]).toBe(1);
    expect(decoded.get("v-a")!.roles.shadow).toMatchObject({
      requests: 1,
      okRequests: 1,
      latencySumUs: 3_000,
    });
    expect(decoded.get("v-b")!.roles.primary).toMatchObject({ requests: 1, latencySumUs: 10 });
  });

  it("counts a request that never ran by its error kind, with no queue wait or compute", () => {
    const never = ran("v-a", { error: "deadline", ran: null, latencyUs: 30_000 });
    const counts = decodeTrafficHash(sumIntoHash([encodeRequestObservation(never)])).get("v-a")!.roles
      .primary;
    expect(counts).toMatchObject({ requests: 1, okRequests: 0, latencySumUs: 0, ranRequests: 0 });
    expect(counts.errors.deadline).toBe(1);
  });

  it("counts jobs by why they were released and session runs once each, apart from roles", () => {
    const hash = sumIntoHash([
      encodeJobRelease("v-a", "full"),
      encodeJobRelease("v-a", "timer"),
      encodeJobRelease("v-a", "timer"),
      encodeSessionRun("v-a", { rows: 24, computeUs: 1_200.6 }),
      encodeSessionRun("v-a", { rows: 8, computeUs: 400 }),
    ]);
    const runCompute = emptyHistogram();
    runCompute[latencyBucketOf(1_200.6)] = 1;
    runCompute[latencyBucketOf(400)] = 1;
    expect(decodeTrafficHash(hash).get("v-a")!.runs).toEqual({
      jobs: { full: 1, timer: 2, idle: 0 },
      runs: 2,
      runRowsSum: 32,
      busyComputeUs: 1_601,
      runCompute,
    });
  });

  it("skips fields of other shapes, such as counters under names an older gateway wrote", () => {
    const decoded = decodeTrafficHash({
      "v-a|primary|requests": "3",
      "v-a|requestCount": "99",
      "v-a|primary|latency.9999": "1",
      "v-a|primary|errors.cosmic": "1",
      "v-a|canary|requests": "1",
      "v-a||jobs.whenever": "1",
      "v-a||runCompute.9999": "1",
      "|primary|requests": "5",
      "v-a|primary|requests|extra": "5",
      nonsense: "1",
    });
    expect([...decoded.keys()]).toEqual(["v-a"]);
    const minute = decoded.get("v-a")!;
    expect(minute.roles.primary.requests).toBe(3);
    expect(minute.roles.primary.latency.every((count) => count === 0)).toBe(true);
    expect(minute.roles.shadow.requests).toBe(0);
    expect(minute.runs.jobs).toEqual({ full: 0, timer: 0, idle: 0 });
    expect(minute.runs.runCompute.every((count) => count === 0)).toBe(true);
  });

  it("indexes minutes by a member that parses back, whatever the deployment id holds", () => {
    expect(parseTrafficMinuteMember(trafficMinuteMember("dep:1", 1_800_000))).toEqual({
      deploymentId: "dep:1",
      minuteStartMs: 1_800_000,
    });
    expect(parseTrafficMinuteMember("no-minute")).toBeNull();
  });
});

describe("shadow stats codec", () => {
  it("decodes summed observations, and a missing field as 0", () => {
    const one = { ...emptyShadowStats(), requests: 1, rows: 3, agreementRows: 2, absDiffSum: 0.25 };
    const hash = sumIntoHash([encodeShadowObservation(one), encodeShadowObservation(one)]);
    delete hash.shadowLatencyUsSum;
    expect(decodeShadowStatsHash(hash)).toEqual({
      ...emptyShadowStats(),
      requests: 2,
      rows: 6,
      agreementRows: 4,
      absDiffSum: 0.5,
    });
  });
});
