import {
  decodeTrafficHash,
  emptyRoleCounts,
  emptyRunCounts,
  trafficKey,
} from "@/server/contracts/live-counters";
import {
  emptyCostCounts,
  rollupRowsOfMinute,
  type CostCounts,
} from "@/server/domain/monitoring/rollup-counts";
import { getLogger } from "@/server/logger";
import { getRedis } from "@/server/redis";
import type { Counts, StoredRollupRow } from "@/server/services/monitoring/rollup-rows";

/** A row of nothing, with the contract's error kinds and release reasons. */
export function emptyCounts(): Counts {
  return { ...emptyRoleCounts(), ...emptyRunCounts(), ...emptyCostCounts() };
}

/**
 * Replaces the stored rows of the open minute (folded up to a tick ago) with the live counters in
 * Redis, so charts are current; the cost of that minute stays as the monitor last folded it (it
 * needs the hosts). When Redis does not answer, the stored rows stand: a few seconds behind.
 */
export async function withLiveMinute(
  rows: StoredRollupRow[],
  deploymentIds: readonly string[],
  openMinuteStartMs: number,
): Promise<StoredRollupRow[]> {
  let hashes: Record<string, string>[];
  try {
    const pipeline = getRedis().pipeline();
    for (const deploymentId of deploymentIds) pipeline.hgetall(trafficKey(deploymentId, openMinuteStartMs));
    hashes = ((await pipeline.exec()) ?? []).map(([error, hash]) => {
      if (error) throw error;
      return hash as Record<string, string>;
    });
  } catch (error) {
    getLogger().warn(
      { component: "monitoring", err: error },
      "live counters unavailable; charts show the last fold",
    );
    return rows;
  }
  const stored = new Map<string, StoredRollupRow>();
  const closed: StoredRollupRow[] = [];
  for (const row of rows) {
    if (row.bucketStartMs === openMinuteStartMs)
      stored.set(`${row.deploymentId}|${row.versionId}|${row.role}`, row);
    else closed.push(row);
  }
  // A deployment without a live hash keeps its stored rows (a minute whose hash already expired).
  const liveIds = deploymentIds.filter((_, index) => Object.keys(hashes[index]!).length > 0);
  for (const row of stored.values()) if (!liveIds.includes(row.deploymentId)) closed.push(row);
  const live = deploymentIds.flatMap((deploymentId, index) => {
    if (!liveIds.includes(deploymentId)) return [];
    const byVersion = decodeTrafficHash(hashes[index]!);
    const costs = new Map<string, CostCounts>();
    for (const { deploymentId: of, versionId, counts } of stored.values()) {
      const { allocatedUs, allocatedCostMicros, busyCostMicros } = counts;
      if (of === deploymentId && allocatedUs + allocatedCostMicros + busyCostMicros > 0)
        costs.set(versionId, { allocatedUs, allocatedCostMicros, busyCostMicros });
    }
    return rollupRowsOfMinute(byVersion, costs).map((row) => ({
      ...row,
      deploymentId,
      bucketStartMs: openMinuteStartMs,
    }));
  });
  return [...closed, ...live];
}
