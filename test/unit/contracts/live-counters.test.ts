import { describe, expect, it } from "vitest";
import {
  TRAFFIC_COUNTERS,
  decodeShadowStatsHash,
  decodeTrafficHash,
  encodeShadowObservation,
  encodeTrafficObservation,
  trafficField,
  type TrafficObservation,
} from "@/server/contracts/live-counters";
import { emptyShadowStats } from "@/server/domain/traffic/shadow-comparison";

/** What Redis holds after HINCRBY of every increment: sums per field, as strings. */
function sumIntoHash(increments: [string, number][][]): Record<string, string> {
  const sums = new Map<string, number>();
  for (const [field, by] of increments.flat()) sums.set(field, (sums.get(field) ?? 0) + by);
  return Object.fromEntries([...sums].map(([field, value]) => [field, String(value)]));
}

const ran = (versionId: string, extra: Partial<TrafficObservation> = {}): TrafficObservation => ({
  versionId,
  ok: true,
  latencyUs: 1_500.4,
  queueWaitUs: 200,
  computeUs: 900,
  batchRows: 8,
  ...extra,
});

describe("traffic counter codec", () => {
  it("decodes what it encoded, per version, summed over requests", () => {
    const hash = sumIntoHash([
      encodeTrafficObservation(ran("v-a")),
      encodeTrafficObservation(ran("v-a", { ok: false, batchRows: 4, computeUs: 100 })),
      encodeTrafficObservation(ran("v-b", { latencyUs: 10 })),
    ]);
    const decoded = decodeTrafficHash(hash);
    expect([...decoded.keys()].sort()).toEqual(["v-a", "v-b"]);
    expect(decoded.get("v-a")).toEqual({
      requestCount: 2,
      errorCount: 1,
      latencySumUs: 3_000,
      queueWaitSumUs: 400,
      busyComputeUs: 1_000,
      batchCount: 2,
      batchSizeSum: 12,
    });
    expect(decoded.get("v-b")).toMatchObject({ requestCount: 1, errorCount: 0, latencySumUs: 10 });
  });

  it("counts a request that never ran (deadline, queue down) as a request and an error with no batch", () => {
    const never = ran("v-a", { ok: false, queueWaitUs: 0, computeUs: 0, batchRows: 0, latencyUs: 30_000 });
    expect(decodeTrafficHash(sumIntoHash([encodeTrafficObservation(never)])).get("v-a")).toEqual({
      requestCount: 1,
      errorCount: 1,
      latencySumUs: 30_000,
      queueWaitSumUs: 0,
      busyComputeUs: 0,
      batchCount: 0,
      batchSizeSum: 0,
    });
  });

  it("skips fields of other shapes, such as counters under names an older gateway wrote", () => {
    const decoded = decodeTrafficHash({
      [trafficField("v-a", "requestCount")]: "3",
      "v-a|computeSumUs": "99",
      "v-a|batchRowsSum": "7",
      "|requestCount": "5",
      nonsense: "1",
    });
    expect([...decoded.keys()]).toEqual(["v-a"]);
    expect(decoded.get("v-a")).toMatchObject({ requestCount: 3, busyComputeUs: 0, batchSizeSum: 0 });
  });

  it("names every counter after a MetricRollup column the monitor writes", () => {
    // The type (`satisfies keyof MetricRollup`) already holds this; the list is the contract.
    expect([...TRAFFIC_COUNTERS]).toEqual([
      "requestCount",
      "errorCount",
      "latencySumUs",
      "queueWaitSumUs",
      "busyComputeUs",
      "batchCount",
      "batchSizeSum",
    ]);
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
