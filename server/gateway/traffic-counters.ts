import type { Redis } from "ioredis";
import {
  TRAFFIC_COUNTER_TTL_SECONDS,
  encodeTrafficObservation,
  minuteStartOf,
  trafficKey,
  type TrafficObservation,
} from "@/server/contracts/live-counters";
import { HashIncrements } from "@/server/gateway/hash-increments";

export interface InferenceObservation extends TrafficObservation {
  deploymentId: string;
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
    const key = trafficKey(observation.deploymentId, minuteStartOf(nowMs));
    for (const [field, by] of encodeTrafficObservation(observation))
      this.increments.increment(key, field, by);
  }

  close(): Promise<void> {
    return this.increments.close();
  }
}
