import { SERVING_ROLES } from "@/server/contracts/live-counters";
import type { DeploymentOverheadOutput } from "@/server/contracts/monitoring-api";
import { overheadOf } from "@/server/domain/monitoring/overhead";
import { sumRowsBy } from "@/server/domain/monitoring/rollup-counts";
import { readDeploymentWindow, type DeploymentWindowOptions } from "@/server/services/monitoring/window-rows";

/**
 * Per version and role over the chart range: the p50 of the version's session runs as the worker
 * timed them beside the p50 of the gateway's answers, and what lies between (the time added over
 * plain onnxruntime). One sum over the whole range, not a series.
 */
export async function getDeploymentOverhead(
  options: DeploymentWindowOptions,
): Promise<DeploymentOverheadOutput> {
  const { name, range } = options;
  const { window, numberOf, rows } = await readDeploymentWindow(options, "overhead");
  const sums = sumRowsBy(rows, (row) => `${row.versionId}|${row.role}`);
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
