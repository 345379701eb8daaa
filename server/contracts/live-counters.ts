/**
 * Live counters the gateway keeps in Redis, per deployment and minute; the monitor worker folds
 * them into MetricRollup rows. No database write happens per request.
 * Hash `traffic:<deploymentId>:<minuteStartMs>`, fields `<versionId>|<counter>`.
 */
export const TRAFFIC_COUNTERS = [
  "requests",
  "errors",
  "latencySumUs",
  "queueWaitSumUs",
  "computeSumUs",
  "batchRowsSum",
  "batchCount",
] as const;
export type TrafficCounter = (typeof TRAFFIC_COUNTERS)[number];

export const MINUTE_MS = 60_000;
/** Long enough for the monitor to catch up after a restart. */
export const TRAFFIC_COUNTER_TTL_SECONDS = 6 * 60 * 60;

export function trafficKey(deploymentId: string, minuteStartMs: number): string {
  return `traffic:${deploymentId}:${minuteStartMs}`;
}

export function trafficField(versionId: string, counter: TrafficCounter): string {
  return `${versionId}|${counter}`;
}

/**
 * Running comparison of a shadow version with the primary, per deployment and shadow version.
 * Hash `shadow:<deploymentId>:<shadowVersionId>`; fields are the ShadowStats counters.
 */
export function shadowStatsKey(deploymentId: string, shadowVersionId: string): string {
  return `shadow:${deploymentId}:${shadowVersionId}`;
}

export const SHADOW_STATS_TTL_SECONDS = 7 * 24 * 60 * 60;
