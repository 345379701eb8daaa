import type { Redis } from "ioredis";
import {
  TRAFFIC_COUNTER_TTL_SECONDS,
  TRAFFIC_MINUTES_KEY,
  minuteStartOf,
  trafficKey,
  trafficMinuteMember,
} from "@/server/contracts/live-counters";
import { HashIncrements } from "@/server/metrics/hash-increments";

/**
 * The Redis side of the live traffic counters (server/contracts/live-counters.ts), for every
 * producer (the gateway's requests and jobs, the serving worker's session runs): increments summed
 * in memory per deployment and minute, flushed once a second with each minute's entry in the
 * index the monitor reads, so the monitor finds a minute whichever process counted into it.
 */
export class TrafficMinutes {
  private readonly increments: HashIncrements;
  /** The minute of each traffic key, for the index (written with the key at each flush). */
  private readonly minuteOfKey = new Map<string, { deploymentId: string; minuteStartMs: number }>();

  constructor(
    redis: Redis,
    component: string,
    options: { flushIntervalMs?: number; beforeFlush?: () => void } = {},
  ) {
    this.increments = new HashIncrements(
      redis,
      TRAFFIC_COUNTER_TTL_SECONDS,
      { component, counters: "traffic counters" },
      options.flushIntervalMs,
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
      options.beforeFlush,
    );
  }

  add(deploymentId: string, increments: [field: string, by: number][], nowMs = Date.now()): void {
    const key = this.keyOf(deploymentId, nowMs);
    for (const [field, by] of increments) this.increments.increment(key, field, by);
  }

  flush(): Promise<void> {
    return this.increments.flush();
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
