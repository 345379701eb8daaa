import { emptyShadowStats, type ShadowStats } from "@/server/domain/traffic/shadow-comparison";
import {
  LATENCY_BUCKET_COUNT,
  emptyHistogram,
  latencyBucketOf,
} from "@/server/domain/monitoring/latency-histogram";

/**
 * Live counters in Redis, written by gateways and workers and read without a database write per
 * request. Producers: the gateway (server/gateway/traffic-counters.ts, shadow-recorder.ts) and the
 * serving worker (its session runs), through the encoders here. Consumers: the monitor worker,
 * which folds each minute into MetricRollup rows; the console's live view of the open minute; the
 * bench. Encode and decode live only here.
 *
 * Traffic: hash `traffic:<deploymentId>:<minuteStartMs>`, value the counter's sum over that
 * minute and every process. Fields:
 * - `<versionId>|<role>|<counter>` for requests, by the role the version served them in
 *   (`primary`: callers' requests; `shadow`: copies). Histogram buckets are counters named
 *   `<histogram>.<bucket>` (server/domain/monitoring/latency-histogram.ts), written only when not 0.
 * - `<versionId>||<counter>` for what is counted per job or per session run rather than per
 *   request (a job or a run may carry both roles' requests).
 * Each minute that has counters is also in the sorted set `traffic:minutes` (member
 * `<deploymentId>:<minuteStartMs>`, score the minute), so the monitor finds them without SCAN.
 */

export const SERVING_ROLES = ["primary", "shadow"] as const;
export type ServingRole = (typeof SERVING_ROLES)[number];

/** Why a request failed, as the console charts it: what the caller sent, the model, or the service. */
export const ERROR_KINDS = ["badInput", "modelError", "deadline", "overload", "unavailable"] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Why the gateway's batcher sent a job: it was full, its queue delay passed, or nothing was running. */
export const BATCH_RELEASE_REASONS = ["full", "timer", "idle"] as const;
export type BatchReleaseReason = (typeof BATCH_RELEASE_REASONS)[number];

export const HISTOGRAMS = ["latency", "queueWait", "compute"] as const;
export type HistogramName = (typeof HISTOGRAMS)[number];

/** Per version, role and minute: the requests it served in that role. */
export interface RoleCounts {
  requests: number;
  /** Requests answered with the model's outputs. */
  okRequests: number;
  errors: Record<ErrorKind, number>;
  /** End-to-end latency of the ok requests, from their first bytes in to their answer. */
  latencySumUs: number;
  latency: number[];
  /** Requests that reached a worker, and their wait in the queue and the compute they waited on. */
  ranRequests: number;
  rowsSum: number;
  queueWaitSumUs: number;
  queueWait: number[];
  computeSumUs: number;
  compute: number[];
}

/** Per version and minute: its jobs and session runs, whichever role their requests had. */
export interface RunCounts {
  jobs: Record<BatchReleaseReason, number>;
  /** Session runs (jobs that arrive together are merged into one run) and their rows. */
  runs: number;
  runRowsSum: number;
  /** Model time, counted once per run: what the hardware was busy with. */
  busyComputeUs: number;
  /**
   * Each run's model time in the shared buckets, one count per run (the requests' `compute`
   * counts a merged run once per request): what plain onnxruntime takes at these batch sizes.
   */
  runCompute: number[];
}

export interface VersionMinute {
  roles: Record<ServingRole, RoleCounts>;
  runs: RunCounts;
}

const ROLE_SCALARS = [
  "requests",
  "okRequests",
  "latencySumUs",
  "ranRequests",
  "rowsSum",
  "queueWaitSumUs",
  "computeSumUs",
] as const;
const RUN_SCALARS = ["runs", "runRowsSum", "busyComputeUs"] as const;

export const MINUTE_MS = 60_000;
/** Six hours: the monitor folds each minute within seconds, and can catch up after hours down. */
export const TRAFFIC_COUNTER_TTL_SECONDS = 6 * 60 * 60;
export const TRAFFIC_MINUTES_KEY = "traffic:minutes";

export function trafficKey(deploymentId: string, minuteStartMs: number): string {
  return `traffic:${deploymentId}:${minuteStartMs}`;
}

/** The member of TRAFFIC_MINUTES_KEY for a minute's hash, and back. */
export function trafficMinuteMember(deploymentId: string, minuteStartMs: number): string {
  return `${deploymentId}:${minuteStartMs}`;
}
export function parseTrafficMinuteMember(
  member: string,
): { deploymentId: string; minuteStartMs: number } | null {
  const at = member.lastIndexOf(":");
  const minuteStartMs = Number(member.slice(at + 1));
  if (at <= 0 || !Number.isSafeInteger(minuteStartMs)) return null;
  return { deploymentId: member.slice(0, at), minuteStartMs };
}

export function minuteStartOf(nowMs: number): number {
  return Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
}

const SEPARATOR = "|";

/** One request's outcome as the gateway saw it. */
export interface RequestObservation {
  versionId: string;
  role: ServingRole;
  /** Null for a request answered with the model's outputs. */
  error: ErrorKind | null;
  latencyUs: number;
  /** Set when the request reached a worker (whether or not the model could run it). */
  ran: { rows: number; queueWaitUs: number; computeUs: number } | null;
}

/** The hash fields and amounts one request adds to its minute's traffic hash. */
export function encodeRequestObservation(observation: RequestObservation): [field: string, by: number][] {
  const prefix = `${observation.versionId}${SEPARATOR}${observation.role}${SEPARATOR}`;
  const increments: [string, number][] = [[`${prefix}requests`, 1]];
  if (observation.error === null) {
    increments.push(
      [`${prefix}okRequests`, 1],
      [`${prefix}latencySumUs`, Math.round(observation.latencyUs)],
      [`${prefix}latency.${latencyBucketOf(observation.latencyUs)}`, 1],
    );
  } else increments.push([`${prefix}errors.${observation.error}`, 1]);
  const { ran } = observation;
  if (ran)
    increments.push(
      [`${prefix}ranRequests`, 1],
      [`${prefix}rowsSum`, ran.rows],
      [`${prefix}queueWaitSumUs`, Math.round(ran.queueWaitUs)],
      [`${prefix}queueWait.${latencyBucketOf(ran.queueWaitUs)}`, 1],
      [`${prefix}computeSumUs`, Math.round(ran.computeUs)],
      [`${prefix}compute.${latencyBucketOf(ran.computeUs)}`, 1],
    );
  return increments;
}

/**
 * Adds one request's outcome to counts summed in memory (a producer's minute of one version and
 * role), exactly as encodeRequestObservation's fields would add it: encodeRoleCounts then writes
 * the sums, so a request costs a few additions rather than a field name each.
 */
export function addRequestObservation(counts: RoleCounts, observation: RequestObservation): void {
  counts.requests += 1;
  if (observation.error === null) {
    counts.okRequests += 1;
    counts.latencySumUs += Math.round(observation.latencyUs);
    counts.latency[latencyBucketOf(observation.latencyUs)]! += 1;
  } else counts.errors[observation.error] += 1;
  const { ran } = observation;
  if (!ran) return;
  counts.ranRequests += 1;
  counts.rowsSum += ran.rows;
  counts.queueWaitSumUs += Math.round(ran.queueWaitUs);
  counts.queueWait[latencyBucketOf(ran.queueWaitUs)]! += 1;
  counts.computeSumUs += Math.round(ran.computeUs);
  counts.compute[latencyBucketOf(ran.computeUs)]! += 1;
}

/** The hash fields and amounts of counts summed in memory (addRequestObservation); zeros are left out. */
export function encodeRoleCounts(
  versionId: string,
  role: ServingRole,
  counts: RoleCounts,
): [field: string, by: number][] {
  const prefix = `${versionId}${SEPARATOR}${role}${SEPARATOR}`;
  const increments: [string, number][] = [];
  for (const name of ROLE_SCALARS)
    if (counts[name] !== 0) increments.push([`${prefix}${name}`, counts[name]]);
  for (const kind of ERROR_KINDS)
    if (counts.errors[kind] !== 0) increments.push([`${prefix}errors.${kind}`, counts.errors[kind]]);
  for (const histogram of HISTOGRAMS)
    counts[histogram].forEach((count, bucket) => {
      if (count !== 0) increments.push([`${prefix}${histogram}.${bucket}`, count]);
    });
  return increments;
}

/** The hash fields of a version's jobs by release reason, summed in memory; zeros are left out. */
export function encodeJobReleases(
  versionId: string,
  jobs: Record<BatchReleaseReason, number>,
): [field: string, by: number][] {
  return BATCH_RELEASE_REASONS.filter((reason) => jobs[reason] !== 0).map((reason) => [
    `${versionId}${SEPARATOR}${SEPARATOR}jobs.${reason}`,
    jobs[reason],
  ]);
}

/** A job the gateway's batcher sent, and why. */
export function encodeJobRelease(
  versionId: string,
  reason: BatchReleaseReason,
): [field: string, by: number][] {
  return [[`${versionId}${SEPARATOR}${SEPARATOR}jobs.${reason}`, 1]];
}

/** A session run on a worker: counted once, however many jobs and requests it merged. */
export function encodeSessionRun(
  versionId: string,
  run: { rows: number; computeUs: number },
): [field: string, by: number][] {
  const prefix = `${versionId}${SEPARATOR}${SEPARATOR}`;
  return [
    [`${prefix}runs`, 1],
    [`${prefix}runRowsSum`, run.rows],
    [`${prefix}busyComputeUs`, Math.round(run.computeUs)],
    [`${prefix}runCompute.${latencyBucketOf(run.computeUs)}`, 1],
  ];
}

export function emptyRoleCounts(): RoleCounts {
  return {
    requests: 0,
    okRequests: 0,
    errors: Object.fromEntries(ERROR_KINDS.map((kind) => [kind, 0])) as Record<ErrorKind, number>,
    latencySumUs: 0,
    latency: emptyHistogram(),
    ranRequests: 0,
    rowsSum: 0,
    queueWaitSumUs: 0,
    queueWait: emptyHistogram(),
    computeSumUs: 0,
    compute: emptyHistogram(),
  };
}

export function emptyRunCounts(): RunCounts {
  return {
    jobs: Object.fromEntries(BATCH_RELEASE_REASONS.map((reason) => [reason, 0])) as Record<
      BatchReleaseReason,
      number
    >,
    runs: 0,
    runRowsSum: 0,
    busyComputeUs: 0,
    runCompute: emptyHistogram(),
  };
}

function emptyVersionMinute(): VersionMinute {
  return { roles: { primary: emptyRoleCounts(), shadow: emptyRoleCounts() }, runs: emptyRunCounts() };
}

/** The histogram bucket a field's `.<bucket>` suffix names, or null for one out of bounds. */
function bucketIn(suffix: string | undefined): number | null {
  const bucket = Number(suffix);
  return Number.isInteger(bucket) && bucket >= 0 && bucket < LATENCY_BUCKET_COUNT ? bucket : null;
}

/** A minute's traffic hash, by version id; fields of other shapes (older names) are skipped. */
export function decodeTrafficHash(hash: Record<string, string>): Map<string, VersionMinute> {
  const byVersion = new Map<string, VersionMinute>();
  for (const [field, raw] of Object.entries(hash)) {
    const [versionId, role, counter, ...rest] = field.split(SEPARATOR);
    const value = Number(raw);
    if (!versionId || counter === undefined || rest.length > 0 || !Number.isFinite(value)) continue;
    const target = () => {
      let minute = byVersion.get(versionId);
      if (!minute) byVersion.set(versionId, (minute = emptyVersionMinute()));
      return minute;
    };
    const [name, sub] = counter.split(".");
    const bucket = bucketIn(sub);
    if (role === "") {
      if (name === "jobs" && (BATCH_RELEASE_REASONS as readonly string[]).includes(sub!))
        target().runs.jobs[sub as BatchReleaseReason] = value;
      else if (name === "runCompute" && bucket !== null) target().runs.runCompute[bucket] = value;
      else if (sub === undefined && (RUN_SCALARS as readonly string[]).includes(name!))
        target().runs[name as (typeof RUN_SCALARS)[number]] = value;
      continue;
    }
    if (!(SERVING_ROLES as readonly string[]).includes(role!)) continue;
    if (sub === undefined) {
      if ((ROLE_SCALARS as readonly string[]).includes(name!))
        target().roles[role as ServingRole][name as (typeof ROLE_SCALARS)[number]] = value;
    } else if (name === "errors") {
      if ((ERROR_KINDS as readonly string[]).includes(sub))
        target().roles[role as ServingRole].errors[sub as ErrorKind] = value;
    } else if ((HISTOGRAMS as readonly string[]).includes(name!) && bucket !== null)
      target().roles[role as ServingRole][name as HistogramName][bucket] = value;
  }
  return byVersion;
}

/**
 * Running comparison of a shadow version with the primary, per deployment and shadow version:
 * hash `shadow:<deploymentId>:<shadowVersionId>`, one field per ShadowStats counter.
 */
export function shadowStatsKey(deploymentId: string, shadowVersionId: string): string {
  return `shadow:${deploymentId}:${shadowVersionId}`;
}

export const SHADOW_STATS_TTL_SECONDS = 7 * 24 * 60 * 60;

/** The hash fields and amounts one shadow observation adds. */
export function encodeShadowObservation(observation: ShadowStats): [field: string, by: number][] {
  return Object.entries(observation);
}

/** A shadow stats hash as ShadowStats; a missing field is 0. */
export function decodeShadowStatsHash(hash: Record<string, string>): ShadowStats {
  const stats = emptyShadowStats();
  for (const field of Object.keys(stats) as (keyof ShadowStats)[]) stats[field] = Number(hash[field] ?? 0);
  return stats;
}
