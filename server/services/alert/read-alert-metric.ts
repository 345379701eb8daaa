import { MINUTE_MS, minuteStartOf } from "@/server/contracts/live-counters";
import type { AlertMetric } from "@/server/domain/alerts/alert-rule";
import {
  driftMetricValue,
  isDriftMetric,
  isQualityMetric,
  isRollupMetric,
  qualityMetricValue,
  rollupMetricValue,
} from "@/server/domain/alerts/metric-values";
import { sumRowsBy } from "@/server/domain/monitoring/rollup-counts";
import { listDriftReports } from "@/server/services/drift/list-drift-reports";
import { getRealizedQuality, QUALITY_RANGES } from "@/server/services/feedback/get-realized-quality";
import { withLiveMinute } from "@/server/services/monitoring/live-minute";
import { readRollupRows } from "@/server/services/monitoring/rollup-rows";

/** Drift reports read per evaluation: enough for every version of the newest windows. */
const DRIFT_REPORTS_READ = 20;

export interface AlertMetricTarget {
  teamId: string;
  deployment: { id: string; name: string; device: "cpu" | "cuda" };
  metric: AlertMetric;
  windowMinutes: number;
}

export interface MetricReaders {
  /** Serving jobs waiting in a device's queue (the monitor reads BullMQ). */
  queueDepth(device: "cpu" | "cuda"): Promise<number>;
}

/**
 * A rule's metric now, over its window, or null when there is nothing to judge. Reads through the
 * code the console's pages use: the rollups (with the open minute's live counters), the drift
 * reports, the realized-quality join.
 */
export async function readAlertMetric(
  { teamId, deployment, metric, windowMinutes }: AlertMetricTarget,
  readers: MetricReaders,
  nowMs = Date.now(),
): Promise<number | null> {
  const windowStartMs = nowMs - windowMinutes * MINUTE_MS;
  if (isRollupMetric(metric)) {
    const openMinuteStartMs = minuteStartOf(nowMs);
    const rows = await readRollupRows({
      deploymentIds: [deployment.id],
      granularity: "minute",
      fromMs: openMinuteStartMs - (windowMinutes - 1) * MINUTE_MS,
      toMs: openMinuteStartMs + MINUTE_MS,
      histograms: "latency",
    }).then((stored) => withLiveMinute(stored, [deployment.id], openMinuteStartMs));
    const total = sumRowsBy(rows, () => "window").get("window");
    return total ? rollupMetricValue(metric, total.counts) : null;
  }
  if (isDriftMetric(metric)) {
    const { reports } = await listDriftReports({ teamId, name: deployment.name, limit: DRIFT_REPORTS_READ });
    const recent = reports.filter((report) => report.windowEnd.getTime() > windowStartMs);
    const newestEndMs = Math.max(...recent.map((report) => report.windowEnd.getTime()));
    return driftMetricValue(
      metric,
      recent.filter((report) => report.windowEnd.getTime() === newestEndMs),
    );
  }
  if (isQualityMetric(metric)) {
    const quality = await getRealizedQuality({
      teamId,
      name: deployment.name,
      range: "24h",
      nowMs,
      sinceMs: windowStartMs,
    });
    const bucketMs = QUALITY_RANGES["24h"].bucketMs;
    return qualityMetricValue(
      quality.versions.map((version) => {
        const newest = version.points
          .filter((point) => point.bucketStartMs + bucketMs > windowStartMs)
          .at(-1);
        if (!newest) return null;
        const value = metric === "realized_roc_auc" ? newest.realized.roc_auc : newest.estimated?.roc_auc;
        return value ?? null;
      }),
    );
  }
  return readers.queueDepth(deployment.device);
}
