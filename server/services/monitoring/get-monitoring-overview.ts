import { MINUTE_MS, minuteStartOf } from "@/server/contracts/live-counters";
import type { MonitoringOverviewOutput } from "@/server/contracts/monitoring-api";
import { getDb } from "@/server/db";
import { healthOf } from "@/server/domain/monitoring/health";
import { percentileUs } from "@/server/domain/monitoring/latency-histogram";
import { addRollupCounts } from "@/server/domain/monitoring/rollup-counts";
import { emptyCounts, withLiveMinute } from "@/server/services/monitoring/live-minute";
import { readRollupRows } from "@/server/services/monitoring/rollup-rows";

const WINDOW_MINUTES = 60;

/**
 * Every deployment of the team at a glance, over the last hour (the open minute live): health,
 * callers' traffic, error rate, p99, cost per 1,000 calls, and the last change made to it.
 */
export async function getMonitoringOverview({
  teamId,
  nowMs = Date.now(),
}: {
  teamId: string;
  nowMs?: number;
}): Promise<MonitoringOverviewOutput> {
  const db = getDb();
  const deployments = await db.deployment.findMany({
    where: { teamId },
    orderBy: [{ environment: "desc" }, { name: "asc" }],
    select: {
      id: true,
      name: true,
      environment: true,
      activeRevisionId: true,
      model: { select: { name: true } },
    },
  });
  const ids = deployments.map((deployment) => deployment.id);
  const openMinuteStartMs = minuteStartOf(nowMs);
  const fromMs = openMinuteStartMs - (WINDOW_MINUTES - 1) * MINUTE_MS;
  const [rows, changes] = await Promise.all([
    readRollupRows({
      deploymentIds: ids,
      granularity: "minute",
      fromMs,
      toMs: openMinuteStartMs + MINUTE_MS,
    }).then((stored) => withLiveMinute(stored, ids, openMinuteStartMs)),
    db.auditEvent.findMany({
      where: { teamId, targetType: "deployment", targetId: { in: ids } },
      orderBy: [{ targetId: "asc" }, { createdAt: "desc" }],
      distinct: ["targetId"],
      select: { targetId: true, action: true, actor: true, createdAt: true },
    }),
  ]);
  const windowSeconds = Math.max(1, nowMs - fromMs) / 1000;
  return deployments.map((deployment) => {
    const own = rows.filter((row) => row.deploymentId === deployment.id);
    const callers = emptyCounts();
    const all = emptyCounts();
    for (const row of own) {
      addRollupCounts(all, row.counts);
      if (row.role === "primary") addRollupCounts(callers, row.counts);
    }
    const errors = Object.values<number>(callers.errors).reduce((sum, count) => sum + count, 0);
    const serviceErrors = errors - callers.errors.badInput;
    const per1k = (micros: number) => (callers.requests > 0 ? (micros / callers.requests) * 1000 : null);
    const change = changes.find((event) => event.targetId === deployment.id);
    return {
      name: deployment.name,
      modelName: deployment.model.name,
      environment: deployment.environment,
      health: healthOf({
        served: deployment.activeRevisionId !== null,
        requests: callers.requests,
        serviceErrors,
      }),
      windowMs: WINDOW_MINUTES * MINUTE_MS,
      requests: callers.requests,
      requestsPerSecond: callers.requests / windowSeconds,
      errorRate: callers.requests > 0 ? errors / callers.requests : null,
      serviceErrorRate: callers.requests > 0 ? serviceErrors / callers.requests : null,
      latencyP99Us: percentileUs(callers.latency, 0.99),
      allocatedCostMicrosPer1kCalls: per1k(all.allocatedCostMicros),
      busyCostMicrosPer1kCalls: per1k(all.busyCostMicros),
      lastChange: change
        ? { action: change.action, actor: change.actor, atMs: change.createdAt.getTime() }
        : null,
    };
  });
}
