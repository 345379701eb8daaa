import type { Redis } from "ioredis";
import {
  TRAFFIC_COUNTER_TTL_SECONDS,
  TRAFFIC_MINUTES_KEY,
  encodeJobRelease,
  encodeRequestObservation,
  minuteStartOf,
  trafficKey,
  trafficMinuteMember,
  type BatchReleaseReason,
  type RequestObservation,
} from "@/server/contracts/live-counters";
import { HashIncrements } from "@/server/gateway/hash-increments";

/** The one place that counts served requests, per deployment, version, role and minute. */
export class TrafficCounters {
  private readonly increments: HashIncrements;
  /** The minute of each traffic key, for the index the monitor reads (keys are written per flush). */
  private readonly minuteOfKey = new Map<string, { deploymentId: string; minuteStartMs: number }>();

  constructor(redis: Redis, flushIntervalMs = 1_000) {
    this.increments = new HashIncrements(
      redis,
      TRAFFIC_COUNTER_TTL_SECONDS,
      "traffic counters",
      flushIntervalMs,
      (pipeline, key) => {
        const minute = this.minuteOfKey.get(key);
        if (!minute) return;
        this.minuteOfKey.delete(key);
        pipeline.zadd(
          TRAFFIC_MINUTES_KEY,
          minute.minuteStartMs,
          trafficMinuteMember(minute.deploymentId, minute.minuteStartMs),
        );
      },
    );
  }

  record(deploymentId: string, observation: RequestObservation, nowMs = Date.now()): void {
    const key = this.keyOf(deploymentId, nowMs);
    for (const [field, by] of encodeRequestObservation(observation))
      this.increments.increment(key, field, by);
  }

  recordJobRelease(
    deploymentId: string,
    versionId: string,
    reason: BatchReleaseReason,
    nowMs = Date.now(),
  ): void {
    const key = this.keyOf(deploymentId, nowMs);
    for (const [field, by] of encodeJobRelease(versionId, reason)) this.increments.increment(key, field, by);
  }

  close(): Promise<void> {
    return this.increments.close();
  }

  private keyOf(deploymentId: string, nowMs: number): string {
    const minuteStartMs = minuteStartOf(nowMs);
    const key = trafficKey(deploymentId, minuteStartMs);
    if (!this.minuteOfKey.has(key)) this.minuteOfKey.set(key, { deploymentId, minuteStartMs });
    return key;
  }
}
