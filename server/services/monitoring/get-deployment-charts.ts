import { SERVING_ROLES } from "@/server/contracts/live-counters";
import type { DeploymentChartsOutput } from "@/server/contracts/monitoring-api";
import {
  bucketStartOf,
  bucketStarts,
  rolePointOf,
  versionPointOf,
} from "@/server/domain/monitoring/chart-points";
import { sumRowsBy } from "@/server/domain/monitoring/rollup-counts";
import { emptyCounts } from "@/server/services/monitoring/live-minute";
import { readDeploymentWindow, type DeploymentWindowOptions } from "@/server/services/monitoring/window-rows";

export function economicsOf(deployment: {
  targetCostMicrosPer1kCalls: bigint | null;
  revenueMicrosPer1kCalls: bigint | null;
}) {
  const toNumber = (value: bigint | null) => (value === null ? null : Number(value));
  return {
    targetCostMicrosPer1kCalls: toNumber(deployment.targetCostMicrosPer1kCalls),
    revenueMicrosPer1kCalls: toNumber(deployment.revenueMicrosPer1kCalls),
  };
}

/**
 * The deployment page's charts for a range: hour rows for 7 and 30 days, five-minute rows for 24
 * hours, minute rows for 1 hour (readDeploymentWindow). Every series has a point per bucket.
 */
export async function getDeploymentCharts(input: DeploymentWindowOptions): Promise<DeploymentChartsOutput> {
  const { name, range, nowMs = Date.now() } = input;
  const { deployment, window, numberOf, rows } = await readDeploymentWindow({ ...input, nowMs }, "latency");
  const bucketOf = (row: { bucketStartMs: number }) => bucketStartOf(row.bucketStartMs, window.bucketMs);
  const byRole = sumRowsBy(rows, (row) => `${bucketOf(row)}|${row.versionId}|${row.role}`);
  const byVersion = sumRowsBy(rows, (row) => `${bucketOf(row)}|${row.versionId}`);

  const starts = bucketStarts(window);
  const options = { bucketMs: window.bucketMs, nowMs };
  const economics = economicsOf(deployment);
  // An empty bucket's point is the same but for its start: computed once per line kind.
  const empty = emptyCounts();
  const emptyRole = rolePointOf(empty, 0, options);
  const emptyVersion = versionPointOf(empty, 0, { ...options, economics });
  const incompleteAt = (start: number) => start + window.bucketMs > nowMs;
  const versionIds = [...new Set(rows.map((row) => row.versionId))].sort(
    (a, b) => numberOf.get(a)! - numberOf.get(b)!,
  );
  const rolesOf = (versionId: string) =>
    SERVING_ROLES.filter((role) =>
      rows.some((row) => row.versionId === versionId && row.role === role && row.counts.requests > 0),
    );
  return {
    name,
    range,
    bucketMs: window.bucketMs,
    fromMs: window.fromMs,
    toMs: window.toMs,
    economics,
    series: versionIds.flatMap((versionId) =>
      rolesOf(versionId).map((role) => ({
        versionNumber: numberOf.get(versionId)!,
        role,
        points: starts.map((start) => {
          const counts = byRole.get(`${start}|${versionId}|${role}`)?.counts;
          return counts
            ? rolePointOf(counts, start, options)
            : { ...emptyRole, bucketStartMs: start, incomplete: incompleteAt(start) };
        }),
      })),
    ),
    versions: versionIds.map((versionId) => ({
      versionNumber: numberOf.get(versionId)!,
      roles: rolesOf(versionId),
      points: starts.map((start) => {
        const counts = byVersion.get(`${start}|${versionId}`)?.counts;
        return counts
          ? versionPointOf(counts, start, { ...options, economics })
          : { ...emptyVersion, bucketStartMs: start, incomplete: incompleteAt(start) };
      }),
    })),
  };
}
