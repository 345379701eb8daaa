import type { Redis } from "ioredis";
import {
  addRequestObservation,
  emptyRoleCounts,
  encodeJobReleases,
  encodeRoleCounts,
  minuteStartOf,
  MINUTE_MS,
  type BatchReleaseReason,
  type RequestObservation,
  type RoleCounts,
  type ServingRole,
} from "@/server/contracts/live-counters";
import type { GatewayMetrics, GatewayRefusalReason } from "@/server/metrics/gateway-metrics";
import { TrafficMinutes } from "@/server/metrics/traffic-minutes";

/** What a counter names a request's deployment by: its id in Redis, its name in Prometheus. */
export interface CountedDeployment {
  id: string;
  name: string;
}

interface CountedVersion {
  deployment: CountedDeployment;
  versionId: string;
  versionNumber: number;
}

type RequestSums = CountedVersion & { role: ServingRole; counts: RoleCounts };
type JobSums = CountedVersion & { jobs: Record<BatchReleaseReason, number> };

/**
 * Sums by deployment id, then version id (then role): lookups by strings the deployment cache
 * already holds, whose hashes V8 keeps, where a key built per request cost a string and its hash.
 */
type SumsByVersion<T> = Map<string, Map<string, T>>;

/** One flush interval's sums, per minute, then per deployment, version and role. */
interface PendingMinute {
  requests: SumsByVersion<Record<ServingRole, RequestSums | undefined>>;
  jobs: SumsByVersion<JobSums>;
}

/**
 * The one place that counts the gateway's traffic, per deployment, version, role and minute. A
 * request adds to sums in memory (two map lookups and a few additions: the serving bench measured
 * what that costs); once a second the sums go to the live counters in Redis and, the same sums,
 * to Prometheus. `enabled: false` (GATEWAY_COUNTERS=off) counts nothing, for that bench.
 */
export class TrafficCounters {
  private readonly minutes: TrafficMinutes;
  private pending = new Map<number, PendingMinute>();
  /** The minute requests are counted in now, so that most requests skip the lookup by minute. */
  private current: { startMs: number; minute: PendingMinute } | null = null;

  constructor(
    redis: Redis,
    readonly metrics: GatewayMetrics,
    private readonly options: { enabled: boolean; flushIntervalMs?: number } = { enabled: true },
  ) {
    this.minutes = new TrafficMinutes(redis, "gateway", {
      flushIntervalMs: options.flushIntervalMs,
      beforeFlush: () => this.fold(),
    });
  }

  record(
    deployment: CountedDeployment,
    versionNumber: number,
    observation: RequestObservation,
    nowMs = Date.now(),
  ): void {
    if (!this.options.enabled) return;
    const { versionId, role } = observation;
    const roles = sumsOf(this.minuteOf(nowMs).requests, deployment, observation, noRoles);
    let sums = roles[role];
    if (!sums) sums = roles[role] = { deployment, versionId, versionNumber, role, counts: emptyRoleCounts() };
    addRequestObservation(sums.counts, observation);
  }

  recordJobRelease(
    deployment: CountedDeployment,
    version: { versionId: string; versionNumber: number },
    reason: BatchReleaseReason,
    nowMs = Date.now(),
  ): void {
    if (!this.options.enabled) return;
    const sums = sumsOf(this.minuteOf(nowMs).jobs, deployment, version, noJobs);
    sums.jobs[reason] += 1;
  }

  /** A refusal of the gateway as a whole, before its deployment is known: Prometheus only. */
  recordGatewayRefusal(reason: GatewayRefusalReason): void {
    if (!this.options.enabled) return;
    this.metrics.observeRefusal(reason);
  }

  close(): Promise<void> {
    return this.minutes.close();
  }

  private minuteOf(nowMs: number): PendingMinute {
    const { current } = this;
    if (current && nowMs >= current.startMs && nowMs < current.startMs + MINUTE_MS) return current.minute;
    const startMs = minuteStartOf(nowMs);
    let minute = this.pending.get(startMs);
    if (!minute) {
      minute = { requests: new Map(), jobs: new Map() };
      this.pending.set(startMs, minute);
    }
    this.current = { startMs, minute };
    return minute;
  }

  /** The interval's sums into the Redis increments of their minutes and into Prometheus. */
  private fold(): void {
    const pending = this.pending;
    this.pending = new Map();
    this.current = null;
    for (const [minuteStartMs, { requests, jobs }] of pending) {
      for (const byVersion of requests.values())
        for (const roles of byVersion.values())
          for (const sums of [roles.primary, roles.shadow]) {
            if (!sums) continue;
            const { deployment, versionId, versionNumber, role, counts } = sums;
            this.minutes.add(deployment.id, encodeRoleCounts(versionId, role, counts), minuteStartMs);
            this.metrics.foldRequests(deployment.name, versionNumber, role, counts);
          }
      for (const byVersion of jobs.values())
        for (const entry of byVersion.values()) {
          this.minutes.add(
            entry.deployment.id,
            encodeJobReleases(entry.versionId, entry.jobs),
            minuteStartMs,
          );
          this.metrics.foldJobReleases(entry.deployment.name, entry.versionNumber, entry.jobs);
        }
    }
  }
}

/** Made once per version and interval, by functions of the module's rather than a closure per call. */
function noRoles(): Record<ServingRole, RequestSums | undefined> {
  return { primary: undefined, shadow: undefined };
}
function noJobs(
  deployment: CountedDeployment,
  version: { versionId: string; versionNumber: number },
): JobSums {
  const { versionId, versionNumber } = version;
  return { deployment, versionId, versionNumber, jobs: { full: 0, timer: 0, idle: 0 } };
}

/** The sums of a deployment's version, made on its first count in the interval. */
function sumsOf<T, V extends { versionId: string }>(
  sums: SumsByVersion<T>,
  deployment: CountedDeployment,
  version: V,
  create: (deployment: CountedDeployment, version: V) => T,
): T {
  let byVersion = sums.get(deployment.id);
  if (!byVersion) sums.set(deployment.id, (byVersion = new Map()));
  let entry = byVersion.get(version.versionId);
  if (!entry) byVersion.set(version.versionId, (entry = create(deployment, version)));
  return entry;
}
