import { MINUTE_MS } from "@/server/contracts/live-counters";
import { percentileUs } from "@/server/domain/monitoring/latency-histogram";
import { sumRowsBy } from "@/server/domain/monitoring/rollup-counts";
import type { VersionFigures } from "@/server/domain/traffic/canary-analysis";
import { qualityTaskOf } from "@/server/services/feedback/quality-task";
import { pointOf, readQualityBuckets } from "@/server/services/feedback/get-realized-quality";
import { withLiveMinute } from "@/server/services/monitoring/live-minute";
import { readRollupRows } from "@/server/services/monitoring/rollup-rows";

/** Labelled rows a version needs in an interval before its realized AUC is trusted over the estimate. */
const MIN_LABELLED_ROWS = 30;

/**
 * Each version's figures over [fromMs, toMs): callers' requests, error rate (the callers' bad
 * input left out: no version is to blame for it) and p95 latency from the minute rollups and the
 * live open minute, and ROC AUC from labelled predictions (realized) or, without enough labels,
 * the label-free estimate. Minutes are whole: the interval is widened to the minutes it touches.
 */
export async function canaryFigures({
  deployment,
  versionIds,
  fromMs,
  toMs,
}: {
  deployment: { id: string; modelId: string; qualityTask: unknown };
  versionIds: string[];
  fromMs: number;
  toMs: number;
}): Promise<Map<string, VersionFigures>> {
  const openMinuteStartMs = Math.floor(toMs / MINUTE_MS) * MINUTE_MS;
  const rows = await withLiveMinute(
    await readRollupRows({
      deploymentIds: [deployment.id],
      granularity: "minute",
      fromMs: Math.floor(fromMs / MINUTE_MS) * MINUTE_MS,
      toMs: openMinuteStartMs + MINUTE_MS,
    }),
    [deployment.id],
    openMinuteStartMs,
  );
  const sums = sumRowsBy(
    rows.filter((row) => row.role === "primary"),
    (row) => row.versionId,
  );
  const task = await qualityTaskOf(deployment);
  const quality = task
    ? await readQualityBuckets({
        deploymentId: deployment.id,
        task,
        fromMs,
        toMs,
        bucketMs: Number.MAX_SAFE_INTEGER,
      })
    : new Map();
  const read = versionIds.map((versionId) => {
    const counts = sums.get(versionId)?.counts;
    const requests = counts?.requests ?? 0;
    const badInput = counts?.errors.badInput ?? 0;
    const judged = requests - badInput;
    const p95Us = counts ? percentileUs(counts.latency, 0.95) : null;
    const bucket = quality.get(versionId)?.get(0);
    const point = task && bucket ? pointOf(task, 0, bucket) : null;
    return {
      versionId,
      requests,
      errorRate: counts && judged > 0 ? (judged - counts.okRequests) / judged : null,
      latencyP95Ms: p95Us === null ? null : p95Us / 1_000,
      realized:
        bucket && bucket.labelled.length >= MIN_LABELLED_ROWS ? (point?.realized.roc_auc ?? null) : null,
      estimated: point?.estimated?.roc_auc ?? null,
    };
  });
  // Like with like: realized AUC where every version has enough labels, else every estimate.
  const useRealized = read.every((version) => version.realized !== null);
  const figures = new Map<string, VersionFigures>();
  for (const { versionId, requests, errorRate, latencyP95Ms, realized, estimated } of read)
    figures.set(versionId, { requests, errorRate, latencyP95Ms, rocAuc: useRealized ? realized : estimated });
  return figures;
}
