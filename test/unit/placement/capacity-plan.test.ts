import { describe, expect, it } from "vitest";
import { formatDollars, planCapacity, type BatchProfile } from "@/server/domain/placement/capacity-plan";

const GiB = 1024 ** 3;
/** A vision model profiled on an A10G: latency grows slowly with the batch, throughput fast. */
const profile: { batches: BatchProfile[] } = {
  batches: [
    [1, 10, 15, 100, 2.0],
    [2, 11, 16, 180, 2.1],
    [4, 12, 18, 330, 2.2],
    [8, 14, 21, 570, 2.6],
    [16, 18, 27, 880, 3.0],
    [32, 26, 38, 1230, 4.0],
    [64, 45, 70, 1420, 6.0],
  ].map(([batchSize, p50, p99, throughput, gib]) => ({
    batchSize: batchSize!,
    p50LatencyMs: p50!,
    p99LatencyMs: p99!,
    throughputPerSecond: throughput!,
    peakMemoryBytes: Math.round(gib! * GiB),
  })),
};
const a10g = { name: "g5.xlarge", memoryBytes: 24 * GiB, costMicrosPerHour: 1_006_000 };
const t4 = { name: "g4dn.xlarge", memoryBytes: 16 * GiB, costMicrosPerHour: 526_000 };

describe("planCapacity", () => {
  it("the field example: 20 concurrent requests for one model take 20 GPUs unbatched, 3 batched", () => {
    const plan = planCapacity({
      peakConcurrentRequests: 20,
      latencyTargetMs: 50,
      profile,
      hostKinds: [a10g],
    });
    expect(plan.peakCallsPerSecond).toBe(2000);
    const [kind] = plan.hostKinds;
    expect(kind!.unbatched).toEqual({
      ok: true,
      option: expect.objectContaining({
        batchSize: 1,
        replicas: 20,
        hosts: 20,
        costMicrosPerMonth: 20 * 1_006_000 * 730,
      }),
    });
    // Packing alone does not help: the accelerators' compute at batch size 1 is the bound.
    expect(kind!.unbatchedPacked).toMatchObject({
      ok: true,
      option: { hosts: 20, hostsBoundBy: "compute", replicasPerHost: 10 },
    });
    expect(kind!.batched).toMatchObject({
      ok: true,
      option: { batchSize: 16, replicas: 3, hosts: 3, replicasPerHost: 7, p99LatencyMs: 27 },
    });
    expect(kind!.replicasPerHost).toEqual({ 1: 10, 2: 10, 4: 9, 8: 8, 16: 7, 32: 5, 64: 3 });
    expect(plan.summary).toBe(
      "20 concurrent requests (2,000 calls/s) within 50 ms p99: 20 x g5.xlarge without batching " +
        "($14,688 a month, $0.00279 per 1,000 calls), against 3 x g5.xlarge with dynamic batching at " +
        "batch size 16, 3 replicas, 7 fit per host ($2,203 a month, $0.000419 per 1,000 calls)",
    );
  });

  it("compares host kinds and names the cheapest in the summary", () => {
    const plan = planCapacity({
      peakConcurrentRequests: 20,
      latencyTargetMs: 50,
      profile,
      hostKinds: [a10g, t4],
    });
    const t4Plan = plan.hostKinds.find((kind) => kind.hostKind === "g4dn.xlarge")!;
    expect(t4Plan.replicasPerHost[16]).toBe(4);
    expect(t4Plan.batched).toMatchObject({
      ok: true,
      option: { hosts: 3, costMicrosPerMonth: 3 * 526_000 * 730 },
    });
    expect(plan.summary).toContain("against 3 x g4dn.xlarge with dynamic batching");
  });

  it("keeps batches within the latency target and no larger than the peak's concurrency", () => {
    const tight = planCapacity({
      peakConcurrentRequests: 200,
      latencyTargetMs: 30,
      profile,
      hostKinds: [a10g],
    });
    expect(tight.hostKinds[0]!.batched).toMatchObject({ ok: true, option: { batchSize: 16 } });
    const loose = planCapacity({
      peakConcurrentRequests: 200,
      latencyTargetMs: 100,
      profile,
      hostKinds: [a10g],
    });
    expect(loose.hostKinds[0]!.batched).toMatchObject({ ok: true, option: { batchSize: 64 } });
    const few = planCapacity({ peakConcurrentRequests: 3, latencyTargetMs: 100, profile, hostKinds: [a10g] });
    expect(few.hostKinds[0]!.batched).toMatchObject({
      ok: true,
      option: { batchSize: 2, replicas: 2, hosts: 2 },
    });
  });

  it("explains why there is no plan: a target below p99 at batch 1, a model larger than the host", () => {
    const fast = planCapacity({
      peakConcurrentRequests: 20,
      latencyTargetMs: 12,
      profile,
      hostKinds: [a10g],
    });
    expect(fast.hostKinds[0]!.unbatched).toEqual({
      ok: false,
      reason: "p99 at batch size 1 is 15 ms, over the 12 ms target",
    });
    expect(fast.summary).toContain(
      "no plan on g5.xlarge: p99 at batch size 1 is 15 ms, over the 12 ms target",
    );
    const small = { name: "tiny", memoryBytes: 2 * GiB, costMicrosPerHour: 100_000 };
    const big = planCapacity({ peakConcurrentRequests: 4, latencyTargetMs: 50, profile, hostKinds: [small] });
    expect(big.hostKinds[0]!.unbatched).toEqual({
      ok: false,
      reason: "one replica needs 2 GiB at batch size 1; tiny takes 1.8 GiB under its ceiling",
    });
  });

  it("refuses a profile without batch size 1 or with an odd batch size, naming the field", () => {
    const only8 = { batches: profile.batches.filter((batch) => batch.batchSize === 8) };
    expect(() =>
      planCapacity({ peakConcurrentRequests: 1, latencyTargetMs: 50, profile: only8, hostKinds: [a10g] }),
    ).toThrow("plan.profile.batches: the profile must include batch size 1");
    const odd = { batches: [...profile.batches, { ...profile.batches[0]!, batchSize: 3 }] };
    expect(() =>
      planCapacity({ peakConcurrentRequests: 1, latencyTargetMs: 50, profile: odd, hostKinds: [a10g] }),
    ).toThrow("plan.profile.batches.7.batchSize: batchSize must be a power of two from 1 to 256");
    expect(() =>
      planCapacity({ peakConcurrentRequests: 0, latencyTargetMs: 50, profile, hostKinds: [a10g] }),
    ).toThrow("peakConcurrentRequests must be at least 1");
  });

  it("formats dollars to read naturally", () => {
    expect(formatDollars(14_687_600_000)).toBe("$14,688");
    expect(formatDollars(2_790)).toBe("$0.00279");
    expect(formatDollars(12_345_678)).toBe("$12.3");
  });
});
