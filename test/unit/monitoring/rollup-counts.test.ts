import { describe, expect, it } from "vitest";
import {
  decodeTrafficHash,
  encodeJobRelease,
  encodeRequestObservation,
  encodeSessionRun,
  emptyRoleCounts,
  emptyRunCounts,
  type RequestObservation,
} from "@/server/contracts/live-counters";
import { latencyBucketOf } from "@/server/domain/monitoring/latency-histogram";
import {
  addRollupCounts,
  emptyCostCounts,
  rollupRowsOfMinute,
  runRoleOf,
  sumRowsBy,
} from "@/server/domain/monitoring/rollup-counts";

/** What Redis holds after HINCRBY of every increment. */
function hashOf(increments: [string, number][][]): Record<string, string> {
  const sums = new Map<string, number>();
  for (const [field, by] of increments.flat()) sums.set(field, (sums.get(field) ?? 0) + by);
  return Object.fromEntries([...sums].map(([field, value]) => [field, String(value)]));
}

const ok = (versionId: string, role: "primary" | "shadow", latencyUs = 1_000): RequestObservation => ({
  versionId,
  role,
  error: null,
  latencyUs,
  ran: { rows: 4, queueWaitUs: 100, computeUs: 500 },
});

describe("rollup rows of a minute", () => {
  it("gives a row per version and role with requests, and the version's runs and cost on one of them", () => {
    const minute = decodeTrafficHash(
      hashOf([
        encodeRequestObservation(ok("a", "primary")),
        encodeRequestObservation(ok("a", "shadow")),
        encodeRequestObservation(ok("b", "shadow", 2_000)),
        encodeJobRelease("a", "full"),
        encodeSessionRun("a", { rows: 8, computeUs: 900 }),
        encodeSessionRun("b", { rows: 1, computeUs: 400 }),
      ]),
    );
    const cost = { allocatedUs: 30_000_000, allocatedCostMicros: 500, busyCostMicros: 2 };
    const rows = rollupRowsOfMinute(minute, new Map([["a", cost]]));
    expect(rows.map((row) => [row.versionId, row.role])).toEqual([
      ["a", "primary"],
      ["a", "shadow"],
      ["b", "shadow"],
    ]);
    const [aPrimary, aShadow, bShadow] = rows;
    expect(aPrimary!.counts).toMatchObject({
      requests: 1,
      runs: 1,
      runRowsSum: 8,
      jobs: { full: 1 },
      ...cost,
    });
    // The other role's row carries no per-version counter, so summing a version's rows counts them once.
    expect(aShadow!.counts).toMatchObject({ requests: 1, runs: 0, busyComputeUs: 0, ...emptyCostCounts() });
    expect(bShadow!.counts).toMatchObject({
      requests: 1,
      runs: 1,
      busyComputeUs: 400,
      allocatedCostMicros: 0,
    });
    expect(bShadow!.counts.latency[latencyBucketOf(2_000)]).toBe(1);
    // Run durations ride with the runs: once per run, on the row that carries them.
    expect(aPrimary!.counts.runCompute[latencyBucketOf(900)]).toBe(1);
    expect(aShadow!.counts.runCompute.every((count) => count === 0)).toBe(true);
    expect(bShadow!.counts.runCompute[latencyBucketOf(400)]).toBe(1);
  });

  it("puts a version's runs on its primary row when it served callers, else its shadow row", () => {
    const runs = { ...emptyRunCounts(), runs: 1 };
    const served = (primary: number, shadow: number) => ({
      roles: {
        primary: { ...emptyRoleCounts(), requests: primary },
        shadow: { ...emptyRoleCounts(), requests: shadow },
      },
      runs,
    });
    expect(runRoleOf(served(1, 5))).toBe("primary");
    expect(runRoleOf(served(0, 5))).toBe("shadow");
    // Runs of a minute whose requests were answered in the next one: a row is made for them.
    expect(runRoleOf(served(0, 0))).toBe("primary");
    const rows = rollupRowsOfMinute(new Map([["a", served(0, 0)]]));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: "primary", counts: { requests: 0, runs: 1 } });
  });

  it("sums rows into hours or wider points without changing the rows summed", () => {
    const minute = decodeTrafficHash(
      hashOf([
        encodeRequestObservation(ok("a", "primary", 700)),
        encodeSessionRun("a", { rows: 2, computeUs: 50 }),
      ]),
    );
    const [row] = rollupRowsOfMinute(minute);
    const rows = [0, 1, 2].map((index) => ({ ...row!, bucketStartMs: index * 60_000 }));
    const sums = sumRowsBy(rows, (r) => `${r.versionId}|${r.role}`);
    expect(sums.size).toBe(1);
    const sum = sums.get("a|primary")!.counts;
    expect(sum).toMatchObject({ requests: 3, okRequests: 3, runs: 3, runRowsSum: 6, busyComputeUs: 150 });
    expect(sum.latency[latencyBucketOf(700)]).toBe(3);
    expect(row!.counts.requests).toBe(1);
    expect(row!.counts.latency[latencyBucketOf(700)]).toBe(1);
    expect(sum.runCompute[latencyBucketOf(50)]).toBe(3);
    expect(row!.counts.runCompute[latencyBucketOf(50)]).toBe(1);
    expect(addRollupCounts(sum, row!.counts).errors).toEqual(row!.counts.errors);
  });
});
