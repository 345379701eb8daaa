import type { Redis } from "ioredis";
import type { HeldTensor } from "@/server/domain/inference/datatypes";
import {
  addShadowObservation,
  compareOutputs,
  emptyShadowStats,
} from "@/server/domain/traffic/shadow-comparison";
import {
  SHADOW_STATS_TTL_SECONDS,
  encodeShadowObservation,
  shadowStatsKey,
} from "@/server/contracts/live-counters";
import { HashIncrements } from "@/server/metrics/hash-increments";

/**
 * Compares shadow answers with the primary's and adds each observation to running sums per
 * deployment and shadow version in Redis, where the console reads them.
 */
export class ShadowRecorder {
  private readonly increments: HashIncrements;

  constructor(redis: Redis, flushIntervalMs = 1_000) {
    this.increments = new HashIncrements(
      redis,
      SHADOW_STATS_TTL_SECONDS,
      { component: "gateway", counters: "shadow stats" },
      flushIntervalMs,
    );
  }

  record(
    deploymentId: string,
    shadowVersionId: string,
    primary: { outputs: HeldTensor[]; latencyUs: number },
    shadow: { outputs: HeldTensor[]; latencyUs: number },
  ): void {
    const key = shadowStatsKey(deploymentId, shadowVersionId);
    const observation = addShadowObservation(
      emptyShadowStats(),
      compareOutputs(primary.outputs, shadow.outputs),
      primary.latencyUs,
      shadow.latencyUs,
    );
    for (const [field, by] of encodeShadowObservation(observation)) this.increments.increment(key, field, by);
  }

  close(): Promise<void> {
    return this.increments.close();
  }
}
