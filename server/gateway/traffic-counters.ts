import type { Redis } from "ioredis";
import {
  MINUTE_MS,
  TRAFFIC_COUNTER_TTL_SECONDS,
  trafficField,
  trafficKey,
} from "@/server/contracts/live-counters";
import { HashIncrements } from "@/server/gateway/hash-increments";

export interface InferenceObservation {
  deploymentId: string;
  versionId: string;
  ok: boolean;
  latencyUs: number;
  queueWaitUs: number;
  computeUs: number;
  batchRows: number;
}

/** The one place that counts served requests, per deployment, version and minute. */
export class TrafficCounters {
  private readonly increments: HashIncrements;

  constructor(redis: Redis, flushIntervalMs = 1_000) {
    this.increments = new HashIncrements(
      redis,
      TRAFFIC_COUNTER_TTL_SECONDS,
      "traffic counters",
      flushIntervalMs,
    );
  }

  record(observation: InferenceObservation, nowMs = Date.now()): void {
    const key = trafficKey(observation.deploymentId, Math.floor(nowMs / MINUTE_MS) * MINUTE_MS);
    const { versionId } = observation;
    this.increments.increment(key, trafficField(versionId, "requests"), 1);
    if (!observation.ok) this.increments.increment(key, trafficField(versionId, "errors"), 1);
    this.increments.increment(
      key,
      trafficField(versionId, "latencySumUs"),
      Math.round(observation.latencyUs),
    );
    // A request that never ran (deadline, queue down) has no batch to average in.
    if (observation.batchRows > 0) {
      this.increments.increment(
        key,
        trafficField(versionId, "queueWaitSumUs"),
        Math.round(observation.queueWaitUs),
      );
      this.increments.increment(
        key,
        trafficField(versionId, "computeSumUs"),
        Math.round(observation.computeUs),
      );
      this.increments.increment(key, trafficField(versionId, "batchRowsSum"), observation.batchRows);
      this.increments.increment(key, trafficField(versionId, "batchCount"), 1);
    }
  }

  close(): Promise<void> {
    return this.increments.close();
  }
}
