import {
  BATCH_RELEASE_REASONS,
  ERROR_KINDS,
  SERVING_ROLES,
  emptyRoleCounts,
  emptyRunCounts,
  type RoleCounts,
  type RunCounts,
  type ServingRole,
  type VersionMinute,
} from "@/server/contracts/live-counters";
import { addHistogram } from "@/server/domain/monitoring/latency-histogram";

/** What a version's replicas cost in a bucket (server/domain/monitoring/cost.ts). */
export interface CostCounts {
  /** Replica time held on hosts: its share of each host's up time. */
  allocatedUs: number;
  allocatedCostMicros: number;
  busyCostMicros: number;
}

/** The body of one MetricRollup row: a role's requests, plus the version's runs and cost or zeros. */
export type RollupCounts = RoleCounts & RunCounts & CostCounts;

export interface RollupRow {
  versionId: string;
  role: ServingRole;
  counts: RollupCounts;
}

export function emptyCostCounts(): CostCounts {
  return { allocatedUs: 0, allocatedCostMicros: 0, busyCostMicros: 0 };
}

export function emptyRollupCounts(): RollupCounts {
  return { ...emptyRoleCounts(), ...emptyRunCounts(), ...emptyCostCounts() };
}

/**
 * The role whose row carries a version's per-version counters (jobs, runs, busy time, cost): a job
 * or a run may carry both roles' requests, so they cannot be split by role, and a third role-less
 * row would make every chart query merge rows. The primary row when the version served callers
 * (where its cost belongs), else its shadow row, so a shadow's cost stays visibly a shadow's.
 */
export function runRoleOf(minute: VersionMinute): ServingRole {
  if (minute.roles.primary.requests > 0) return "primary";
  return minute.roles.shadow.requests > 0 ? "shadow" : "primary";
}

/** Whether the version's model ran on a worker that minute (it held a share of a host). */
export function ranThisMinute(minute: VersionMinute): boolean {
  return minute.runs.runs > 0 || SERVING_ROLES.some((role) => minute.roles[role].ranRequests > 0);
}

/**
 * A minute's rows from its decoded traffic hash: one per version and role that has requests, and
 * the version's run counters and cost on the row runRoleOf names (made if it had no requests).
 */
export function rollupRowsOfMinute(
  byVersion: ReadonlyMap<string, VersionMinute>,
  costs: ReadonlyMap<string, CostCounts> = new Map(),
): RollupRow[] {
  const rows: RollupRow[] = [];
  for (const [versionId, minute] of byVersion) {
    const runRole = runRoleOf(minute);
    for (const role of SERVING_ROLES) {
      if (minute.roles[role].requests === 0 && role !== runRole) continue;
      const perVersion =
        role === runRole
          ? { ...minute.runs, ...(costs.get(versionId) ?? emptyCostCounts()) }
          : { ...emptyRunCounts(), ...emptyCostCounts() };
      rows.push({ versionId, role, counts: { ...cloneRoleCounts(minute.roles[role]), ...perVersion } });
    }
  }
  return rows;
}

function cloneRoleCounts(counts: RoleCounts): RoleCounts {
  return {
    ...counts,
    errors: { ...counts.errors },
    latency: [...counts.latency],
    queueWait: [...counts.queueWait],
    compute: [...counts.compute],
  };
}

const SCALARS = [
  "requests",
  "okRequests",
  "latencySumUs",
  "ranRequests",
  "rowsSum",
  "queueWaitSumUs",
  "computeSumUs",
  "runs",
  "runRowsSum",
  "busyComputeUs",
  "allocatedUs",
  "allocatedCostMicros",
  "busyCostMicros",
] as const satisfies readonly (keyof RollupCounts)[];

/** Adds `other` into `into`: an hour row is the sum of its minute rows, a 5-minute point of five. */
export function addRollupCounts(into: RollupCounts, other: RollupCounts): RollupCounts {
  for (const name of SCALARS) into[name] += other[name];
  for (const kind of ERROR_KINDS) into.errors[kind] += other.errors[kind];
  for (const reason of BATCH_RELEASE_REASONS) into.jobs[reason] += other.jobs[reason];
  addHistogram(into.latency, other.latency);
  addHistogram(into.queueWait, other.queueWait);
  addHistogram(into.compute, other.compute);
  return into;
}

/** Sums rows by a key (version and role, or bucket, version and role), in first-seen order. */
export function sumRowsBy<T extends { counts: RollupCounts }>(
  rows: Iterable<T>,
  keyOf: (row: T) => string,
): Map<string, { first: T; counts: RollupCounts }> {
  const sums = new Map<string, { first: T; counts: RollupCounts }>();
  for (const row of rows) {
    const key = keyOf(row);
    let sum = sums.get(key);
    if (!sum) sums.set(key, (sum = { first: row, counts: emptyRollupCounts() }));
    addRollupCounts(sum.counts, row.counts);
  }
  return sums;
}
