import type { Redis } from "ioredis";
import {
  addRequestObservation,
  emptyRoleCounts,
  encodeJobReleases,
  encodeRoleCounts,
  minuteStartOf,
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

/** One flush interval's sums, per minute, then per deployment, version and role. */
interface PendingMinute {
  requests: Map<string, CountedVersion & { role: ServingRole; counts: RoleCounts }>;
  jobs: Map<string, CountedVersion & { jobs: Record<BatchReleaseReason, number> }>;
}

/**
 * The one place that counts the gateway's traffic, per deployment, version, role and minute. A
 * request adds to sums in memory (a map lookup and a few additions: the serving bench measured
 * what that costs); once a second the sums go to the live counters in Redis and, the same sums,
 * to Prometheus. `enabled: false` (GATEWAY_COUNTERS=off) counts nothing, for that bench.
 */
export class TrafficCounters {
  private readonly minutes: TrafficMinutes;
  private pending = new Map<number, PendingMinute>();

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
    const { requests } = this.minuteOf(nowMs);
    const key = `${deployment.id}|${observation.versionId}|${observation.role}`;
    let entry = requests.get(key);
    if (!entry) {
      entry = {
        deployment,
        versionId: observation.versionId,
        versionNumber,
        role: observation.role,
        counts: emptyRoleCounts(),
      };
      requests.set(key, entry);
    }
    addRequestObservation(entry.counts, observation);
  }

  recordJobRelease(
    deployment: CountedDeployment,
    version: { versionId: string; versionNumber: number },
    reason: BatchReleaseReason,
    nowMs = Date.now(),
  ): void {
    if (!this.options.enabled) return;
    const { jobs } = this.minuteOf(nowMs);
    const key = `${deployment.id}|${version.versionId}`;
    let entry = jobs.get(key);
    if (!entry) {
      entry = { deployment, ...version, jobs: { full: 0, timer: 0, idle: 0 } };
      jobs.set(key, entry);
    }
    entry.jobs[reason] += 1;
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
    const minuteStartMs = minuteStartOf(nowMs);
    let minute = this.pending.get(minuteStartMs);
    if (!minute) {
      minute = { requests: new Map(), jobs: new Map() };
      this.pending.set(minuteStartMs, minute);
    }
    return minute;
  }

  /** The interval's sums into the Redis increments of their minutes and into Prometheus. */
  private fold(): void {
    const pending = this.pending;
    this.pending = new Map();
    for (const [minuteStartMs, { requests, jobs }] of pending) {
      for (const { deployment, versionId, versionNumber, role, counts } of requests.values()) {
        this.minutes.add(deployment.id, encodeRoleCounts(versionId, role, counts), minuteStartMs);
        this.metrics.foldRequests(deployment.name, versionNumber, role, counts);
      }
      for (const entry of jobs.values()) {
        this.minutes.add(entry.deployment.id, encodeJobReleases(entry.versionId, entry.jobs), minuteStartMs);
        this.metrics.foldJobReleases(entry.deployment.name, entry.versionNumber, entry.jobs);
      }
    }
  }
}
