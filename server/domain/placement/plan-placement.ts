import { AppError } from "@/server/domain/app-error";
import { formatBytes } from "@/server/domain/format";
import type { DeviceKind } from "@/server/domain/placement/host-report";

/**
 * Where each deployment's replicas run: packs them onto the online hosts by memory. Pure: the
 * caller (services/host) reads hosts, requests and the current Replica rows, and writes the plan's
 * `added` and `removed`.
 *
 * - A host takes replicas up to its ceiling (by default 90% of its memory: the rest is the
 *   runtime's, the CUDA context's and fragmentation's), never beyond.
 * - Replicas already placed stay where they are while their host is online, still of their
 *   deployment's device, and they still fit: a failover moves only the dead host's replicas, and
 *   planning again an unchanged input moves nothing.
 * - The rest are placed first-fit decreasing by memory (the largest footprints first, each on the
 *   first host in the caller's order with room), preferring the hosts that hold the fewest
 *   replicas of the same deployment, so one host going down takes as few of them as possible.
 * - What cannot be placed is refused, explained per host: how much memory each one lacks.
 */

/** A host's share of memory that replicas may take, unless the caller says otherwise. */
export const DEFAULT_MEMORY_CEILING = 0.9;

export interface PlacementHost {
  name: string;
  device: DeviceKind;
  /** The memory replicas pack into: GPU memory on a cuda host, RAM on a cpu host. */
  capacityBytes: number;
  /** Its heartbeat is current. Offline hosts take nothing, and their replicas move. */
  online: boolean;
}

export interface PlacementRequest {
  deploymentId: string;
  device: DeviceKind;
  replicas: number;
  /** One replica's footprint: the version's profiled peak session memory. */
  memoryBytes: number;
}

/** A replica placed before this plan (a Replica row). */
export interface CurrentReplica {
  id: string;
  deploymentId: string;
  hostName: string;
}

export interface NewReplica {
  deploymentId: string;
  hostName: string;
  memoryBytes: number;
}

export type RemovalReason =
  /** Its host is offline or no longer known: the replica is placed again elsewhere. */
  | "host-offline"
  /** Its deployment asks for fewer replicas, or none. */
  | "scaled-down"
  /** Its deployment now asks for another device than its host's. */
  | "device-changed"
  /** Its host's replicas no longer fit under the ceiling (a footprint grew, the ceiling fell). */
  | "over-ceiling";

export interface HostUsage {
  hostName: string;
  device: DeviceKind;
  capacityBytes: number;
  ceilingBytes: number;
  usedBytes: number;
  freeBytes: number;
}

export interface PlacementRefusal {
  deploymentId: string;
  device: DeviceKind;
  requested: number;
  placed: number;
  unplaced: number;
  memoryBytes: number;
  /** No online host of the device; a footprint over every host's ceiling; or the hosts are full. */
  reason: "no-host-of-device" | "larger-than-any-host" | "hosts-full";
  /** Each online host of the device, with what it lacks for one more replica of this deployment. */
  hosts: { hostName: string; freeBytes: number; lacksBytes: number }[];
  /** One sentence for the console and the log. */
  message: string;
}

export interface PlacementPlan {
  kept: CurrentReplica[];
  added: NewReplica[];
  removed: (CurrentReplica & { reason: RemovalReason })[];
  refusals: PlacementRefusal[];
  /** Every online host after the plan, in the caller's order. */
  hosts: HostUsage[];
}

export interface PlanPlacementInput {
  hosts: readonly PlacementHost[];
  requests: readonly PlacementRequest[];
  current?: readonly CurrentReplica[];
  /** The share of a host's memory replicas may take, in (0, 1]. */
  memoryCeiling?: number;
}

interface HostState extends HostUsage {
  order: number;
  byDeployment: Map<string, number>;
}

export function planPlacement(input: PlanPlacementInput): PlacementPlan {
  const ceiling = input.memoryCeiling ?? DEFAULT_MEMORY_CEILING;
  checkInput(input, ceiling);
  const requests = new Map(input.requests.map((request) => [request.deploymentId, request]));
  const hosts = new Map<string, HostState>();
  input.hosts.forEach((host, order) => {
    if (!host.online) return;
    const ceilingBytes = Math.floor(host.capacityBytes * ceiling);
    hosts.set(host.name, {
      hostName: host.name,
      device: host.device,
      capacityBytes: host.capacityBytes,
      ceilingBytes,
      usedBytes: 0,
      freeBytes: ceilingBytes,
      order,
      byDeployment: new Map(),
    });
  });
  const take = (host: HostState, deploymentId: string, bytes: number) => {
    host.usedBytes += bytes;
    host.freeBytes -= bytes;
    host.byDeployment.set(deploymentId, (host.byDeployment.get(deploymentId) ?? 0) + 1);
  };

  const removed: PlacementPlan["removed"] = [];
  const kept = keepCurrent(input.current ?? [], requests, hosts, removed);
  for (const { hostName, deploymentId } of kept)
    take(hosts.get(hostName)!, deploymentId, requests.get(deploymentId)!.memoryBytes);

  const added: NewReplica[] = [];
  const refusals: PlacementRefusal[] = [];
  const keptCount = countBy(kept, (replica) => replica.deploymentId);
  // First-fit decreasing: the largest footprints first, while every host still has its most room.
  const order = [...input.requests].sort(
    (a, b) => b.memoryBytes - a.memoryBytes || compareText(a.deploymentId, b.deploymentId),
  );
  for (const request of order) {
    const candidates = [...hosts.values()].filter((host) => host.device === request.device);
    const wanted = request.replicas - (keptCount.get(request.deploymentId) ?? 0);
    let placed = 0;
    for (; placed < wanted; placed++) {
      const host = chooseHost(candidates, request);
      if (!host) break;
      take(host, request.deploymentId, request.memoryBytes);
      added.push({
        deploymentId: request.deploymentId,
        hostName: host.hostName,
        memoryBytes: request.memoryBytes,
      });
    }
    if (placed < wanted) refusals.push(refusalOf(request, wanted - placed, candidates));
  }

  return {
    kept,
    added,
    removed,
    refusals,
    hosts: [...hosts.values()].map(({ order: _order, byDeployment: _byDeployment, ...usage }) => usage),
  };
}

/**
 * The current replicas that stay: on an online host of their deployment's device, within the
 * deployment's count (extras leave the hosts holding most of its replicas first, which restores
 * the spread), and within their host's ceiling (the largest stay first, as they are the hardest
 * to place again).
 */
function keepCurrent(
  current: readonly CurrentReplica[],
  requests: ReadonlyMap<string, PlacementRequest>,
  hosts: ReadonlyMap<string, HostState>,
  removed: PlacementPlan["removed"],
): CurrentReplica[] {
  const candidates: CurrentReplica[] = [];
  for (const replica of [...current].sort((a, b) => compareText(a.id, b.id))) {
    const request = requests.get(replica.deploymentId);
    const host = hosts.get(replica.hostName);
    if (!request || request.replicas === 0) removed.push({ ...replica, reason: "scaled-down" });
    else if (!host) removed.push({ ...replica, reason: "host-offline" });
    else if (host.device !== request.device) removed.push({ ...replica, reason: "device-changed" });
    else candidates.push(replica);
  }

  const within: CurrentReplica[] = [];
  for (const [deploymentId, replicas] of groupBy(candidates, (replica) => replica.deploymentId)) {
    const wanted = requests.get(deploymentId)!.replicas;
    const perHost = countBy(replicas, (replica) => replica.hostName);
    const staying = [...replicas];
    while (staying.length > wanted) {
      const crowded = maxBy([...perHost.keys()], (hostName) => perHost.get(hostName)!);
      const index = staying.findLastIndex((replica) => replica.hostName === crowded);
      removed.push({ ...staying[index]!, reason: "scaled-down" });
      staying.splice(index, 1);
      perHost.set(crowded, perHost.get(crowded)! - 1);
    }
    within.push(...staying);
  }

  const bytesOf = (replica: CurrentReplica) => requests.get(replica.deploymentId)!.memoryBytes;
  const used = new Map<string, number>();
  const kept: CurrentReplica[] = [];
  const largestFirst = within.sort((a, b) => bytesOf(b) - bytesOf(a) || compareText(a.id, b.id));
  for (const replica of largestFirst) {
    const host = hosts.get(replica.hostName)!;
    const after = (used.get(host.hostName) ?? 0) + bytesOf(replica);
    if (after > host.ceilingBytes) {
      removed.push({ ...replica, reason: "over-ceiling" });
      continue;
    }
    used.set(host.hostName, after);
    kept.push(replica);
  }
  return kept.sort((a, b) => compareText(a.id, b.id));
}

/** Among the hosts with room, those with the fewest of this deployment's replicas; then the first. */
function chooseHost(candidates: readonly HostState[], request: PlacementRequest): HostState | undefined {
  let best: HostState | undefined;
  let bestCount = Infinity;
  for (const host of candidates) {
    if (host.freeBytes < request.memoryBytes) continue;
    const count = host.byDeployment.get(request.deploymentId) ?? 0;
    if (count < bestCount) {
      best = host;
      bestCount = count;
    }
  }
  return best;
}

function refusalOf(
  request: PlacementRequest,
  unplaced: number,
  candidates: readonly HostState[],
): PlacementRefusal {
  const placed = request.replicas - unplaced;
  const hosts = candidates.map((host) => ({
    hostName: host.hostName,
    freeBytes: host.freeBytes,
    lacksBytes: Math.max(0, request.memoryBytes - host.freeBytes),
  }));
  const reason =
    candidates.length === 0
      ? "no-host-of-device"
      : candidates.every((host) => host.ceilingBytes < request.memoryBytes)
        ? "larger-than-any-host"
        : "hosts-full";
  const what = `deployment ${request.deploymentId}: ${unplaced} of ${request.replicas} replicas (${formatBytes(request.memoryBytes)} each) could not be placed`;
  const perHost = candidates
    .map((host) => {
      const lacks = formatBytes(request.memoryBytes - host.freeBytes);
      return reason === "larger-than-any-host"
        ? `${host.hostName} takes at most ${formatBytes(host.ceilingBytes)}`
        : `${host.hostName} lacks ${lacks} (${formatBytes(host.freeBytes)} free under its ceiling)`;
    })
    .join(", ");
  const message =
    reason === "no-host-of-device"
      ? `${what}: no ${request.device} host is online`
      : reason === "larger-than-any-host"
        ? `${what}: one replica needs more memory than any ${request.device} host allows (${perHost})`
        : `${what} on ${request.device} hosts: ${perHost}`;
  return { ...request, requested: request.replicas, placed, unplaced, reason, hosts, message };
}

function checkInput(input: PlanPlacementInput, ceiling: number): void {
  const bad = (message: string) => new AppError("BAD_REQUEST", message);
  if (!(ceiling > 0 && ceiling <= 1)) throw bad(`memoryCeiling must be in (0, 1], not ${ceiling}`);
  const names = new Set<string>();
  for (const host of input.hosts) {
    if (names.has(host.name)) throw bad(`host ${host.name} is listed twice`);
    names.add(host.name);
    if (!Number.isSafeInteger(host.capacityBytes) || host.capacityBytes <= 0)
      throw bad(
        `host ${host.name}: capacityBytes must be a positive whole number, not ${host.capacityBytes}`,
      );
  }
  const deployments = new Set<string>();
  for (const request of input.requests) {
    const { deploymentId } = request;
    if (deployments.has(deploymentId)) throw bad(`deployment ${deploymentId} is requested twice`);
    deployments.add(deploymentId);
    if (!Number.isSafeInteger(request.replicas) || request.replicas < 0)
      throw bad(
        `deployment ${deploymentId}: replicas must be a whole number of at least 0, not ${request.replicas}`,
      );
    if (!Number.isSafeInteger(request.memoryBytes) || request.memoryBytes <= 0)
      throw bad(
        `deployment ${deploymentId}: memoryBytes must be a positive whole number of bytes, not ${request.memoryBytes}`,
      );
  }
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function maxBy<T>(items: readonly T[], score: (item: T) => number): T {
  return items.reduce((best, item) => (score(item) > score(best) ? item : best));
}
