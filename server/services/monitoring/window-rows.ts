import { MINUTE_MS } from "@/server/contracts/live-counters";
import type { ChartWindow } from "@/server/domain/monitoring/chart-points";
import { withLiveMinute } from "@/server/services/monitoring/live-minute";
import { readRollupRows, type StoredRollupRow } from "@/server/services/monitoring/rollup-rows";

/**
 * A deployment's rows over a chart window: the window's granularity up to its last closed coarse
 * bucket, minute rows after it (the monitor sums a bucket only once it is closed), and the open
 * minute from the live counters. Shared by the charts and the overhead table, so both cover the
 * same time.
 */
export async function readWindowRows(
  deploymentId: string,
  window: ChartWindow,
  histograms: "latency" | "overhead",
): Promise<StoredRollupRow[]> {
  const deploymentIds = [deploymentId];
  const [coarseRows, minuteRows] = await Promise.all([
    readRollupRows({
      deploymentIds,
      granularity: window.granularity,
      fromMs: window.fromMs,
      toMs: window.coarseRowsUntilMs,
      histograms,
    }),
    readRollupRows({
      deploymentIds,
      granularity: "minute",
      fromMs: window.coarseRowsUntilMs,
      toMs: window.openMinuteStartMs + MINUTE_MS,
      histograms,
    }).then((rows) => withLiveMinute(rows, deploymentIds, window.openMinuteStartMs)),
  ]);
  return [...coarseRows, ...minuteRows];
}
