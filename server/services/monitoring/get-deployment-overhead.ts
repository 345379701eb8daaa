import { SERVING_ROLES } from "@/server/contracts/live-counters";
import type { DeploymentOverheadOutput } from "@/server/contracts/monitoring-api";
import { getDb } from "@/server/db";
import { chartWindowOf } from "@/server/domain/monitoring/chart-points";
import { overheadOf } from "@/server/domain/monitoring/overhead";
import { sumRowsBy } from "@/server/domain/monitoring/rollup-counts";
import { deploymentNotFound } from "@/server/services/deployment/find-deployment";
import type { GetDeploymentChartsOptions } from "@/server/services/monitoring/get-deployment-charts";
import { readWindowRows } from "@/server/services/monitoring/window-rows";

/**
 * Per version and role over the chart range: the p50 of the version's session runs as the worker
 * timed them beside the p50 of the gateway's answers, and what lies between (the time added over
 * plain onnxruntime). One sum over the whole range, not a series.
 */
export async function getDeploymentOverhead({
  teamId,
  name,
  range,
  nowMs = Date.now(),
}: GetDeploymentChartsOptions): Promise<DeploymentOverheadOutput> {
  const db = getDb();
  const deployment = await db.deployment.findUnique({
    where: { teamId_name: { teamId, name } },
    select: { id: true, modelId: true },
  });
  if (!deployment) throw deploymentNotFound(name);
  const window = chartWindowOf(range, nowMs);
  const [rows, versions] = await Promise.all([
    readWindowRows(deployment.id, window, "overhead"),
    db.modelVersion.findMany({ where: { modelId: deployment.modelId }, select: { id: true, number: true } }),
  ]);
  const numberOf = new Map(versions.map((version) => [version.id, version.number]));
  const sums = sumRowsBy(
    rows.filter((row) => numberOf.has(row.versionId)),
    (row) => `${row.versionId}|${row.role}`,
  );
  return {
    name,
    range,
    fromMs: window.fromMs,
    toMs: window.toMs,
    versions: [...sums.values()]
      .filter(({ counts }) => counts.requests > 0)
      .map(({ first, counts }) => ({
        versionNumber: numberOf.get(first.versionId)!,
        role: first.role,
        ...overheadOf(counts),
      }))
      .sort(
        (a, b) =>
          a.versionNumber - b.versionNumber || SERVING_ROLES.indexOf(a.role) - SERVING_ROLES.indexOf(b.role),
      ),
  };
}
