import type { CostCounts } from "@/server/domain/monitoring/rollup-counts";

/**
 * Cost per call, as the field uses it. A replica holds a share of its host: its share of the
 * accelerator memory on a GPU host, of the placed replicas' memory on a CPU host (the Host table
 * has no core count to split by). Serving workers load sessions on demand, so most versions have
 * no placed Replica row: then the versions that ran on a host's devices in a minute share its cores
 * as they used them, in proportion to their compute time (equally if none computed), which is the
 * share of the cores each held; the queues do not say which host ran which job, so each host is
 * split by the versions' compute on all hosts of its devices. Allocated cost is the share of
 * the host's up time times its price (idle time counted); busy cost is the version's compute time
 * at the same price per µs; utilization is busy over allocated time.
 */

export const US_PER_HOUR = 3_600_000_000;
/** $10,000 an hour: above it a host price is a unit mistake. */
export const MAX_HOST_COST_MICROS_PER_HOUR = 10_000 * 1_000_000;

export interface HostShareInput {
  hostId: string;
  costMicrosPerHour: number;
  /** µs the host was up within the minute. */
  upUs: number;
  /** The serving devices whose queues it consumes. */
  devices: readonly string[];
  /** GPU memory on a GPU host, else null. */
  gpuMemoryMb: number | null;
  /** Placed replicas on the host, if the placement knows any. */
  replicas: readonly { versionId: string; memoryMb: number }[];
}

export interface VersionShareInput {
  versionId: string;
  device: string;
  /** The version ran on a worker that minute (runRoleOf / ranThisMinute). */
  ran: boolean;
  busyComputeUs: number;
}

/**
 * The µs a host was up in [minuteStartMs, minuteStartMs + 60 s): from its start (or the minute's)
 * until its last heartbeat plus the heartbeat interval (it was alive until at least then), the
 * minute's end or now, whichever comes first.
 */
export function hostUpUsInMinute(
  host: { startedAtMs: number; lastHeartbeatAtMs: number },
  minuteStartMs: number,
  { nowMs, heartbeatIntervalMs }: { nowMs: number; heartbeatIntervalMs: number },
): number {
  const from = Math.max(minuteStartMs, host.startedAtMs);
  const until = Math.min(minuteStartMs + 60_000, host.lastHeartbeatAtMs + heartbeatIntervalMs, nowMs);
  return Math.max(0, until - from) * 1000;
}

/** Each version's replica time and cost in one minute, from the hosts that were up then. */
export function shareHostsByVersion(
  hosts: readonly HostShareInput[],
  versions: readonly VersionShareInput[],
): Map<string, CostCounts> {
  const held = new Map<string, { us: number; micros: number }>();
  const hold = (versionId: string, share: number, host: HostShareInput) => {
    const entry = held.get(versionId) ?? { us: 0, micros: 0 };
    entry.us += host.upUs * share;
    entry.micros += (host.upUs * share * host.costMicrosPerHour) / US_PER_HOUR;
    held.set(versionId, entry);
  };
  const counted = new Set(versions.map((version) => version.versionId));
  for (const host of hosts) {
    if (host.upUs <= 0) continue;
    const placed = host.replicas.filter((replica) => counted.has(replica.versionId));
    if (host.replicas.length > 0) {
      const placedMb = host.replicas.reduce((sum, replica) => sum + replica.memoryMb, 0);
      const capacityMb = host.gpuMemoryMb && host.gpuMemoryMb > 0 ? host.gpuMemoryMb : placedMb;
      if (capacityMb > 0)
        for (const replica of placed) hold(replica.versionId, replica.memoryMb / capacityMb, host);
      continue;
    }
    const sharing = versions.filter((version) => version.ran && host.devices.includes(version.device));
    const busyUs = sharing.reduce((sum, version) => sum + version.busyComputeUs, 0);
    for (const version of sharing)
      hold(version.versionId, busyUs > 0 ? version.busyComputeUs / busyUs : 1 / sharing.length, host);
  }
  const costs = new Map<string, CostCounts>();
  for (const version of versions) {
    const { us, micros } = held.get(version.versionId) ?? { us: 0, micros: 0 };
    // The same price per µs as the time it held, so busy over allocated cost is its utilization.
    const busyMicros = us > 0 ? (version.busyComputeUs * micros) / us : 0;
    costs.set(version.versionId, {
      allocatedUs: Math.round(us),
      allocatedCostMicros: Math.round(micros),
      busyCostMicros: Math.round(busyMicros),
    });
  }
  return costs;
}

/** Micro-dollars per call (fractional: a call often costs less than one); null without calls. */
export function costPerCallMicros(costMicros: number, calls: number): number | null {
  return calls > 0 ? costMicros / calls : null;
}

export function utilizationOf(busyUs: number, allocatedUs: number): number | null {
  return allocatedUs > 0 ? busyUs / allocatedUs : null;
}

/** What is left of a price per call (given per 1,000 calls) after the cost per call. */
export function marginPerCallMicros(
  pricePer1kCallsMicros: number | null,
  costPerCall: number | null,
): number | null {
  if (pricePer1kCallsMicros === null || costPerCall === null) return null;
  return pricePer1kCallsMicros / 1000 - costPerCall;
}
