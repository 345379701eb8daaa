import type { z } from "zod";
import { MINUTE_MS } from "@/server/contracts/live-counters";
import type { ZDeploymentChartsInput } from "@/server/contracts/monitoring-api";
import { getDb } from "@/server/db";
import { chartWindowOf, type ChartWindow } from "@/server/domain/monitoring/chart-points";
import { deploymentNotFound } from "@/server/services/deployment/find-deployment";
import { withLiveMinute } from "@/server/services/monitoring/live-minute";
import { readRollupRows, type StoredRollupRow } from "@/server/services/monitoring/rollup-rows";

export type DeploymentWindowOptions = z.output<typeof ZDeploymentChartsInput> & {
  teamId: string;
  /** The clock, for tests and the bench; now by default. */
  nowMs?: number;
};

/**
 * A team's deployment by name and its rows over a chart range, with the numbers of its model's
 * versions (rows of versions since deleted are left out). Shared by the charts and the overhead
 * table, so both cover the same time; NOT_FOUND for a deployment the team does not have.
 */
export async function readDeploymentWindow(
  { teamId, name, range, nowMs = Date.now() }: DeploymentWindowOptions,
  histograms: "latency" | "overhead",
) {
  const db = getDb();
  const deployment = await db.deployment.findUnique({
    where: { teamId_name: { teamId, name } },
    select: { id: true, modelId: true, targetCostMicrosPer1kCalls: true, revenueMicrosPer1kCalls: true },
  });
  if (!deployment) throw deploymentNotFound(name);
  const window = chartWindowOf(range, nowMs);
  const [rows, versions] = await Promise.all([
    readWindowRows(deployment.id, window, histograms),
    db.modelVersion.findMany({ where: { modelId: deployment.modelId }, select: { id: true, number: true } }),
  ]);
  const numberOf = new Map(versions.map((version) => [version.id, version.number]));
  return { deployment, window, numberOf, rows: rows.filter((row) => numberOf.has(row.versionId)) };
}

/**
 * A deployment's rows over a chart window: the window's granularity up to its last closed coarse
 * bucket, minute rows after it (the monitor sums a bucket only once it is closed), and the open
 * minute from the live counters.
 */
async function readWindowRows(
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
