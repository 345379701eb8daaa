import type { MetricRollup } from "@/generated/prisma/client";
import { emptyShadowStats, type ShadowStats } from "@/server/domain/traffic/shadow-comparison";

/**
 * Live counters in Redis, written by gateways and read without a database write per request.
 * Producer: the gateway (server/gateway/traffic-counters.ts, shadow-recorder.ts), through the
 * encoders here. Consumers: the console's live charts (services/deployment/get-live-traffic.ts,
 * get-shadow-stats.ts), the bench, and the monitor worker that will fold each minute into a
 * MetricRollup row, one column per counter of the same name. Encode and decode live only here.
 *
 * Traffic: hash `traffic:<deploymentId>:<minuteStartMs>`, field `<versionId>|<counter>`, value
 * the counter's sum over that minute and every gateway.
 */
export const TRAFFIC_COUNTERS = [
  /** Requests routed to the version (shadow copies included), answered or not. */
  "requestCount",
  /** Of those, the ones that failed: the model refused the input, the deadline passed, the queue was down. */
  "errorCount",
  /** Gateway latency (bytes in to answer) summed over every request. */
  "latencySumUs",
  /** From here on, over requests that ran only: their job's wait in the queue. */
  "queueWaitSumUs",
  /**
   * Model time of the session runs each request took part in. A run shared by several requests
   * counts once per request, so busyComputeUs / batchCount is the compute a request waited on.
   */
  "busyComputeUs",
  /** Requests that ran (the denominator of the means above). */
  "batchCount",
  /** Rows of the largest session run each request took part in: batchSizeSum / batchCount is the batch a request saw. */
  "batchSizeSum",
] as const satisfies readonly (keyof MetricRollup)[];
export type TrafficCounter = (typeof TRAFFIC_COUNTERS)[number];
export type TrafficCounts = Record<TrafficCounter, number>;

export const MINUTE_MS = 60_000;
/** Six hours: the live charts read at most 360 minutes back, and the coming rollup worker can catch up after a restart. */
export const TRAFFIC_COUNTER_TTL_SECONDS = 6 * 60 * 60;

export function trafficKey(deploymentId: string, minuteStartMs: number): string {
  return `traffic:${deploymentId}:${minuteStartMs}`;
}

export function minuteStartOf(nowMs: number): number {
  return Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
}

const FIELD_SEPARATOR = "|";

export function trafficField(versionId: string, counter: TrafficCounter): string {
  return `${versionId}${FIELD_SEPARATOR}${counter}`;
}

/** One request's outcome as the gateway saw it; zeros for a request that never ran. */
export interface TrafficObservation {
  versionId: string;
  ok: boolean;
  latencyUs: number;
  queueWaitUs: number;
  computeUs: number;
  /** 0 when the request never reached a worker (deadline, queue down). */
  batchRows: number;
}

/** The hash fields and amounts one request adds to its minute's traffic hash. */
export function encodeTrafficObservation(observation: TrafficObservation): [field: string, by: number][] {
  const field = (counter: TrafficCounter) => trafficField(observation.versionId, counter);
  const increments: [string, number][] = [
    [field("requestCount"), 1],
    [field("errorCount"), observation.ok ? 0 : 1],
    [field("latencySumUs"), Math.round(observation.latencyUs)],
  ];
  // A request that never ran has no batch to average in.
  if (observation.batchRows > 0)
    increments.push(
      [field("queueWaitSumUs"), Math.round(observation.queueWaitUs)],
      [field("busyComputeUs"), Math.round(observation.computeUs)],
      [field("batchCount"), 1],
      [field("batchSizeSum"), observation.batchRows],
    );
  return increments;
}

/** A minute's traffic hash, by version id; fields of other shapes (older names) are skipped. */
export function decodeTrafficHash(hash: Record<string, string>): Map<string, TrafficCounts> {
  const byVersion = new Map<string, TrafficCounts>();
  for (const [field, value] of Object.entries(hash)) {
    const at = field.lastIndexOf(FIELD_SEPARATOR);
    const counter = field.slice(at + 1) as TrafficCounter;
    if (at <= 0 || !TRAFFIC_COUNTERS.includes(counter)) continue;
    const versionId = field.slice(0, at);
    let counts = byVersion.get(versionId);
    if (!counts) {
      counts = Object.fromEntries(TRAFFIC_COUNTERS.map((name) => [name, 0])) as TrafficCounts;
      byVersion.set(versionId, counts);
    }
    counts[counter] = Number(value);
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
