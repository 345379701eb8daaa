import type { Redis } from "ioredis";
import { MINUTE_MS, TRAFFIC_COUNTER_TTL_SECONDS, trafficField, trafficKey, type TrafficCounter } from "@/server/queues/live-counters";

export interface InferenceObservation {
  deploymentId: string;
  versionId: string;
  ok: boolean;
  latencyUs: number;
  queueWaitUs: number;
  computeUs: number;
  batchRows: number;
}

/**
 * The one place that counts served requests. Counts gather in memory and go to Redis once a
 * second in one pipeline, so the per-request cost is a few map updates.
 */
export class TrafficCounters {
  private sums = new Map<string, Map<string, number>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly redis: Redis, flushIntervalMs = 1_000) {
    this.timer = setInterval(() => void this.flush().catch((error: Error) => console.error(`traffic counters: ${error.message}`)), flushIntervalMs);
    this.timer.unref();
  }

  record(observation: InferenceObservation, nowMs = Date.now()): void {
    const key = trafficKey(observation.deploymentId, Math.floor(nowMs / MINUTE_MS) * MINUTE_MS);
    let fields = this.sums.get(key);
    if (!fields) {
      fields = new Map();
      this.sums.set(key, fields);
    }
    const add = (counter: TrafficCounter, value: number) => {
      const field = trafficField(observation.versionId, counter);
      fields.set(field, (fields.get(field) ?? 0) + value);
    };
    add("requests", 1);
    if (!observation.ok) add("errors", 1);
    add("latencySumUs", Math.round(observation.latencyUs));
    // A request that never ran (deadline, queue down) has no batch to average in.
    if (observation.batchRows > 0) {
      add("queueWaitSumUs", Math.round(observation.queueWaitUs));
      add("computeSumUs", Math.round(observation.computeUs));
      add("batchRowsSum", observation.batchRows);
      add("batchCount", 1);
    }
  }

  async flush(): Promise<void> {
    if (this.sums.size === 0) return;
    const sums = this.sums;
    this.sums = new Map();
    const pipeline = this.redis.pipeline();
    for (const [key, fields] of sums) {
      for (const [field, value] of fields) pipeline.hincrby(key, field, value);
      pipeline.expire(key, TRAFFIC_COUNTER_TTL_SECONDS);
    }
    await pipeline.exec();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
