import { ZDriftSettings } from "@/server/domain/drift/drift-settings";
import { getDb } from "@/server/db";
import { computeDriftReport } from "@/server/services/drift/compute-drift-report";

const MINUTE_MS = 60_000;

/**
 * The monitor's drift tick. Windows are aligned to each deployment's window length; the open
 * window is judged on every tick (its report ends now, so the page shows drift as it builds),
 * and the window that just closed once more over its whole length.
 */
export async function computeDueDriftReports({
  nowMs = Date.now(),
}: { nowMs?: number } = {}): Promise<number> {
  const db = getDb();
  const deployments = await db.deployment.findMany({
    where: { predictionSampleRate: { gt: 0 } },
    select: { id: true, driftSettings: true },
  });
  let reports = 0;
  for (const deployment of deployments) {
    const windowMs = ZDriftSettings.parse(deployment.driftSettings).windowMinutes * MINUTE_MS;
    const openStartMs = Math.floor(nowMs / windowMs) * windowMs;
    const closedStartMs = openStartMs - windowMs;
    const closed = await db.driftReport.findFirst({
      where: { deploymentId: deployment.id, windowStart: new Date(closedStartMs) },
      select: { windowEnd: true },
    });
    if (!closed || closed.windowEnd.getTime() < openStartMs)
      reports += (
        await computeDriftReport({
          deploymentId: deployment.id,
          windowStartMs: closedStartMs,
          windowEndMs: openStartMs,
        })
      ).length;
    reports += (
      await computeDriftReport({
        deploymentId: deployment.id,
        windowStartMs: openStartMs,
        windowEndMs: nowMs,
      })
    ).length;
  }
  return reports;
}
