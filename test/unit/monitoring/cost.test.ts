import { describe, expect, it } from "vitest";
import {
  US_PER_HOUR,
  costPerCallMicros,
  hostUpUsInMinute,
  marginPerCallMicros,
  shareHostsByVersion,
  utilizationOf,
  type HostShareInput,
} from "@/server/domain/monitoring/cost";

const MINUTE_US = 60_000_000;
const host = (extra: Partial<HostShareInput> = {}): HostShareInput => ({
  hostId: "h",
  costMicrosPerHour: 3_600_000,
  upUs: MINUTE_US,
  devices: ["cpu"],
  gpuMemoryMb: null,
  replicas: [],
  ...extra,
});
const version = (versionId: string, extra = {}) => ({
  versionId,
  device: "cpu",
  ran: true,
  busyComputeUs: 0,
  ...extra,
});

describe("cost per call", () => {
  it("shares a host without placed replicas by the compute time of the versions that ran on its devices", () => {
    const costs = shareHostsByVersion(
      [host()],
      [
        version("a", { busyComputeUs: 6_000_000 }),
        version("b", { busyComputeUs: 2_000_000 }),
        version("idle", { ran: false }),
        version("gpu", { device: "cuda", busyComputeUs: 9_000_000 }),
      ],
    );
    // $3.60 an hour is 60,000 micro-dollars a minute; a computed 3/4 of the CPU time, b 1/4.
    expect(costs.get("a")).toEqual({
      allocatedUs: 45_000_000,
      allocatedCostMicros: 45_000,
      busyCostMicros: 6_000,
    });
    expect(costs.get("b")).toEqual({
      allocatedUs: 15_000_000,
      allocatedCostMicros: 15_000,
      busyCostMicros: 2_000,
    });
    expect(costs.get("idle")!.allocatedCostMicros).toBe(0);
    expect(costs.get("gpu")!.allocatedCostMicros).toBe(0);
  });

  it("shares a host equally among the versions that ran when none of them computed", () => {
    const costs = shareHostsByVersion([host()], [version("a"), version("b")]);
    expect(costs.get("a")!.allocatedCostMicros).toBe(30_000);
    expect(costs.get("b")!.allocatedCostMicros).toBe(30_000);
  });

  it("shares a GPU host by accelerator memory when replicas are placed, idle ones included", () => {
    const gpu = host({
      devices: ["cpu", "cuda"],
      gpuMemoryMb: 24_000,
      costMicrosPerHour: 2 * 1_000_000,
      replicas: [
        { versionId: "a", memoryMb: 6_000 },
        { versionId: "b", memoryMb: 12_000 },
      ],
    });
    const costs = shareHostsByVersion(
      [gpu],
      [version("a", { device: "cuda" }), version("b", { device: "cuda", ran: false })],
    );
    const minuteMicros = (2 * 1_000_000 * MINUTE_US) / US_PER_HOUR;
    expect(costs.get("a")!.allocatedCostMicros).toBe(Math.round(minuteMicros / 4));
    expect(costs.get("b")!.allocatedCostMicros).toBe(Math.round(minuteMicros / 2));
    // A CPU host has no core count in the schema: its placed replicas split it by their memory.
    const cpu = host({
      replicas: [
        { versionId: "a", memoryMb: 100 },
        { versionId: "b", memoryMb: 300 },
      ],
    });
    const onCpu = shareHostsByVersion([cpu], [version("a"), version("b")]);
    expect(onCpu.get("a")!.allocatedUs * 3).toBe(onCpu.get("b")!.allocatedUs);
  });

  it("counts a host's time within the minute from its start to its last heartbeat's interval", () => {
    const clock = { nowMs: 10_000_000, heartbeatIntervalMs: 10_000 };
    expect(hostUpUsInMinute({ startedAtMs: 0, lastHeartbeatAtMs: 9_999_000 }, 120_000, clock)).toBe(
      MINUTE_US,
    );
    expect(hostUpUsInMinute({ startedAtMs: 150_000, lastHeartbeatAtMs: 9_999_000 }, 120_000, clock)).toBe(
      30_000_000,
    );
    expect(hostUpUsInMinute({ startedAtMs: 0, lastHeartbeatAtMs: 125_000 }, 120_000, clock)).toBe(15_000_000);
    expect(hostUpUsInMinute({ startedAtMs: 0, lastHeartbeatAtMs: 50_000 }, 120_000, clock)).toBe(0);
    // The open minute: up to now.
    expect(hostUpUsInMinute({ startedAtMs: 0, lastHeartbeatAtMs: 9_999_000 }, 9_960_000, clock)).toBe(
      40_000_000,
    );
  });

  it("gives per-call figures, utilization and margins, null where there is nothing to divide", () => {
    expect(costPerCallMicros(30_000, 12_000)).toBe(2.5);
    expect(costPerCallMicros(30_000, 0)).toBeNull();
    expect(utilizationOf(15, 60)).toBe(0.25);
    expect(utilizationOf(15, 0)).toBeNull();
    expect(marginPerCallMicros(4_000, 2.5)).toBe(1.5);
    expect(marginPerCallMicros(null, 2.5)).toBeNull();
    expect(marginPerCallMicros(4_000, null)).toBeNull();
  });
});
