import type { Redis } from "ioredis";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import { addShadowObservation, compareOutputs, emptyShadowStats, type ShadowStats } from "@/server/domain/traffic/shadow-comparison";
import { SHADOW_STATS_TTL_SECONDS, shadowStatsKey } from "@/server/queues/live-counters";

/**
 * Compares shadow answers with the primary's and keeps running sums per deployment and shadow
 * version; the deltas go to Redis once a second, where the console reads them.
 */
export class ShadowRecorder {
  private deltas = new Map<string, ShadowStats>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly redis: Redis, flushIntervalMs = 1_000) {
    this.timer = setInterval(() => void this.flush().catch((error: Error) => console.error(`shadow stats: ${error.message}`)), flushIntervalMs);
    this.timer.unref();
  }

  record(deploymentId: string, shadowVersionId: string, primary: { outputs: WireTensor[]; latencyUs: number }, shadow: { outputs: WireTensor[]; latencyUs: number }): void {
    const key = shadowStatsKey(deploymentId, shadowVersionId);
    // addShadowObservation is pure: it returns the new sums, which replace the old.
    const stats = this.deltas.get(key) ?? emptyShadowStats();
    this.deltas.set(key, addShadowObservation(stats, compareOutputs(primary.outputs, shadow.outputs), primary.latencyUs, shadow.latencyUs));
  }

  async flush(): Promise<void> {
    if (this.deltas.size === 0) return;
    const deltas = this.deltas;
    this.deltas = new Map();
    const pipeline = this.redis.pipeline();
    for (const [key, stats] of deltas) {
      for (const [field, value] of Object.entries(stats)) {
        if (value !== 0) pipeline.hincrbyfloat(key, field, value);
      }
      pipeline.expire(key, SHADOW_STATS_TTL_SECONDS);
    }
    await pipeline.exec();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
