import type { Redis } from "ioredis";
import {
  encodeJobRelease,
  encodeRequestObservation,
  type BatchReleaseReason,
  type RequestObservation,
} from "@/server/contracts/live-counters";
import type { GatewayMetrics, GatewayRefusalReason } from "@/server/metrics/gateway-metrics";
import { TrafficMinutes } from "@/server/metrics/traffic-minutes";

/** What a counter names a request's deployment by: its id in Redis, its name in Prometheus. */
export interface CountedDeployment {
  id: string;
  name: string;
}

/**
 * The one place that counts the gateway's traffic, per deployment, version, role and minute:
 * into the live counters in Redis (summed in memory, flushed once a second) and, from the same
 * observations, into Prometheus. `enabled: false` (GATEWAY_COUNTERS=off) counts nothing, for the
 * bench that measures what counting costs.
 */
export class TrafficCounters {
  private readonly minutes: TrafficMinutes;

  constructor(
    redis: Redis,
    readonly metrics: GatewayMetrics,
    private readonly options: { enabled: boolean; flushIntervalMs?: number } = { enabled: true },
  ) {
    this.minutes = new TrafficMinutes(redis, "gateway", options.flushIntervalMs);
  }

  record(
    deployment: CountedDeployment,
    versionNumber: number,
    observation: RequestObservation,
    nowMs = Date.now(),
  ): void {
    if (!this.options.enabled) return;
    this.minutes.add(deployment.id, encodeRequestObservation(observation), nowMs);
    this.metrics.observeRequest(deployment.name, versionNumber, observation);
  }

  recordJobRelease(
    deployment: CountedDeployment,
    version: { versionId: string; versionNumber: number },
    reason: BatchReleaseReason,
    nowMs = Date.now(),
  ): void {
    if (!this.options.enabled) return;
    this.minutes.add(deployment.id, encodeJobRelease(version.versionId, reason), nowMs);
    this.metrics.observeJobRelease(deployment.name, version.versionNumber, reason);
  }

  /** A refusal of the gateway as a whole, before its deployment is known: Prometheus only. */
  recordGatewayRefusal(reason: GatewayRefusalReason): void {
    if (!this.options.enabled) return;
    this.metrics.observeRefusal(reason);
  }

  close(): Promise<void> {
    return this.minutes.close();
  }
}
