import { addHistogram, emptyHistogram } from "@/server/domain/monitoring/latency-histogram";

// The shapes of server/contracts/live-counters.ts (RoleCounts, RunCounts, VersionMinute), restated
// structurally because server/domain imports nothing outside itself; generic in the error kinds
// and release reasons so the contract's exact key sets flow through.

export const ROLLUP_ROLES = ["primary", "shadow"] as const;
export type RollupRole = (typeof ROLLUP_ROLES)[number];

export interface RoleCountsOf<E extends string> {
  requests: number;
  okRequests: number;
  errors: Record<E, number>;
  latencySumUs: number;
  latency: number[];
  ranRequests: number;
  rowsSum: number;
  queueWaitSumUs: number;
  queueWait: number[];
  computeSumUs: number;
  compute: number[];
}

export interface RunCountsOf<J extends string> {
  jobs: Record<J, number>;
  runs: number;
  runRowsSum: number;
  busyComputeUs: number;
  /** Each session run's model time, one count per run. */
  runCompute: number[];
}

export interface VersionMinuteOf<E extends string, J extends string> {
  roles: Record<RollupRole, RoleCountsOf<E>>;
  runs: RunCountsOf<J>;
}

/** What a version's replicas cost in a bucket (server/domain/monitoring/cost.ts). */
export interface CostCounts {
  /** Replica time held on hosts: its share of each host's up time. */
  allocatedUs: number;
  allocatedCostMicros: number;
  busyCostMicros: number;
}

/** The body of one MetricRollup row: a role's requests, plus the version's runs and cost or zeros. */
export type RollupCounts<E extends string = string, J extends string = string> = RoleCountsOf<E> &
  RunCountsOf<J> &
  CostCounts;

export interface RollupRow<E extends string = string, J extends string = string> {
  versionId: string;
  role: RollupRole;
  counts: RollupCounts<E, J>;
}

export function emptyCostCounts(): CostCounts {
  return { allocatedUs: 0, allocatedCostMicros: 0, busyCostMicros: 0 };
}

function zeroed<K extends string>(record: Record<K, number>): Record<K, number> {
  return Object.fromEntries(Object.keys(record).map((key) => [key, 0])) as Record<K, number>;
}

function noRuns<J extends string>(runs: RunCountsOf<J>): RunCountsOf<J> {
  return { jobs: zeroed(runs.jobs), runs: 0, runRowsSum: 0, busyComputeUs: 0, runCompute: emptyHistogram() };
}

/**
 * The role whose row carries a version's per-version counters (jobs, runs, busy time, cost): a job
 * or a run may carry both roles' requests, so they cannot be split by role, and a third role-less
 * row would make every chart query merge rows. The primary row when the version served callers
 * (where its cost belongs), else its shadow row, so a shadow's cost stays visibly a shadow's.
 */
export function runRoleOf(minute: VersionMinuteOf<string, string>): RollupRole {
  if (minute.roles.primary.requests > 0) return "primary";
  return minute.roles.shadow.requests > 0 ? "shadow" : "primary";
}

/** Whether the version's model ran on a worker that minute (it held a share of a host). */
export function ranThisMinute(minute: VersionMinuteOf<string, string>): boolean {
  return minute.runs.runs > 0 || ROLLUP_ROLES.some((role) => minute.roles[role].ranRequests > 0);
}

/**
 * A minute's rows from its decoded traffic hash: one per version and role that has requests, and
 * the version's run counters and cost on the row runRoleOf names (made if it had no requests).
 */
export function rollupRowsOfMinute<E extends string, J extends string>(
  byVersion: ReadonlyMap<string, VersionMinuteOf<E, J>>,
  costs: ReadonlyMap<string, CostCounts> = new Map(),
): RollupRow<E, J>[] {
  const rows: RollupRow<E, J>[] = [];
  for (const [versionId, minute] of byVersion) {
    const runRole = runRoleOf(minute);
    for (const role of ROLLUP_ROLES) {
      if (minute.roles[role].requests === 0 && role !== runRole) continue;
      const perVersion =
        role === runRole
          ? {
              ...cloneRunCounts(minute.runs),
              ...(costs.get(versionId) ?? emptyCostCounts()),
            }
          : { ...noRuns(minute.runs), ...emptyCostCounts() };
      rows.push({ versionId, role, counts: { ...cloneRoleCounts(minute.roles[role]), ...perVersion } });
    }
  }
  return rows;
}

function cloneRoleCounts<E extends string>(counts: RoleCountsOf<E>): RoleCountsOf<E> {
  return {
    ...counts,
    errors: { ...counts.errors },
    latency: [...counts.latency],
    queueWait: [...counts.queueWait],
    compute: [...counts.compute],
  };
}

function cloneRunCounts<J extends string>(runs: RunCountsOf<J>): RunCountsOf<J> {
  return { ...runs, jobs: { ...runs.jobs }, runCompute: [...runs.runCompute] };
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
export function addRollupCounts<E extends string, J extends string>(
  into: RollupCounts<E, J>,
  other: RollupCounts<E, J>,
): RollupCounts<E, J> {
  for (const name of SCALARS) into[name] += other[name];
  for (const kind of Object.keys(other.errors) as E[])
    into.errors[kind] = (into.errors[kind] ?? 0) + other.errors[kind];
  for (const reason of Object.keys(other.jobs) as J[])
    into.jobs[reason] = (into.jobs[reason] ?? 0) + other.jobs[reason];
  addHistogram(into.latency, other.latency);
  addHistogram(into.queueWait, other.queueWait);
  addHistogram(into.compute, other.compute);
  addHistogram(into.runCompute, other.runCompute);
  return into;
}

/** A deep copy, to sum into without changing the row it came from. */
export function copyRollupCounts<E extends string, J extends string>(
  counts: RollupCounts<E, J>,
): RollupCounts<E, J> {
  return {
    ...counts,
    ...cloneRoleCounts(counts),
    jobs: { ...counts.jobs },
    runCompute: [...counts.runCompute],
  };
}

/**
 * Sums rows by a key (version and role, or bucket, version and role), in first-seen order. A key
 * with one row gets that row's counts as they are (read them, do not change them); a copy is
 * made only when a second row is added, which spares most of the copying for hour rows.
 */
export function sumRowsBy<E extends string, J extends string, T extends { counts: RollupCounts<E, J> }>(
  rows: Iterable<T>,
  keyOf: (row: T) => string,
): Map<string, { first: T; counts: RollupCounts<E, J> }> {
  const sums = new Map<string, { first: T; counts: RollupCounts<E, J> }>();
  for (const row of rows) {
    const key = keyOf(row);
    const sum = sums.get(key);
    if (!sum) sums.set(key, { first: row, counts: row.counts });
    else {
      if (sum.counts === sum.first.counts) sum.counts = copyRollupCounts(sum.counts);
      addRollupCounts(sum.counts, row.counts);
    }
  }
  return sums;
}
