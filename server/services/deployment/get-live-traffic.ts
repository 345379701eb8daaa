import { z } from "zod";
import { getRedis } from "@/server/redis";
import { MINUTE_MS, decodeTrafficHash, minuteStartOf, trafficKey } from "@/server/contracts/live-counters";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { getDb } from "@/server/db";

export interface TrafficPoint {
  minuteStartMs: number;
  versionNumber: number;
  requests: number;
  errors: number;
  meanLatencyMs: number | null;
  meanComputeMs: number | null;
  meanBatchRows: number | null;
}

export const ZGetLiveTrafficInput = z.object({
  name: z.string().min(1),
  minutes: z.number().int().min(1).max(360).default(30),
});
export type GetLiveTrafficOptions = z.output<typeof ZGetLiveTrafficInput> & {
  teamId: string;
  /** The clock, for tests; now by default. */
  nowMs?: number;
};

/**
 * Per-minute traffic of the last minutes from the gateway's live counters in Redis: enough for
 * the deployment page while the monitor worker (which writes rollups) is not there yet.
 */
export async function getLiveTraffic({ teamId, name, minutes, nowMs = Date.now() }: GetLiveTrafficOptions) {
  const deployment = await findDeploymentOrThrow(teamId, name);
  const lastMinute = minuteStartOf(nowMs);
  const minuteStarts = Array.from(
    { length: minutes },
    (_, index) => lastMinute - (minutes - 1 - index) * MINUTE_MS,
  );
  const pipeline = getRedis().pipeline();
  for (const minuteStartMs of minuteStarts) pipeline.hgetall(trafficKey(deployment.id, minuteStartMs));
  const hashes = ((await pipeline.exec()) ?? []).map(([error, value]) =>
    error ? {} : (value as Record<string, string>),
  );

  const versionNumbers = new Map(
    (
      await getDb().modelVersion.findMany({
        where: { modelId: deployment.modelId },
        select: { id: true, number: true },
      })
    ).map((version) => [version.id, version.number]),
  );
  const points: TrafficPoint[] = [];
  hashes.forEach((hash, index) => {
    for (const [versionId, minute] of decodeTrafficHash(hash)) {
      const versionNumber = versionNumbers.get(versionId);
      if (versionNumber === undefined) continue;
      // Callers' traffic only: a shadow's copies are not requests anyone sent.
      const counts = minute.roles.primary;
      if (counts.requests === 0) continue;
      const errors = Object.values(counts.errors).reduce((sum, count) => sum + count, 0);
      points.push({
        minuteStartMs: minuteStarts[index]!,
        versionNumber,
        requests: counts.requests,
        errors,
        meanLatencyMs: counts.okRequests ? counts.latencySumUs / counts.okRequests / 1000 : null,
        meanComputeMs: counts.ranRequests ? counts.computeSumUs / counts.ranRequests / 1000 : null,
        meanBatchRows: counts.ranRequests ? counts.rowsSum / counts.ranRequests : null,
      });
    }
  });
  return { minuteStarts, points };
}
