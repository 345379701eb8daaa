import { ZAlertCondition, alertSentence } from "@/server/domain/alerts/alert-rule";
import { stepAlert, type AlertState } from "@/server/domain/alerts/alert-state";
import { getDb } from "@/server/db";
import { getLogger } from "@/server/logger";
import { readAlertMetric, type MetricReaders } from "@/server/services/alert/read-alert-metric";
import { resolveOpenEpisode } from "@/server/services/alert/resolve-open-episode";
import { emitAlertEvent } from "@/server/services/webhook/emit-alert-events";
import { queueWebhookDeliveries } from "@/server/services/webhook/queue-webhook-deliveries";

export interface AlertEvaluationReport {
  evaluated: number;
  fired: number;
  resolved: number;
  /** Rules whose metric could not be read or whose step could not be stored this tick. */
  failed: number;
}

/**
 * The monitor's alerts tick: every enabled rule is read and stepped (server/domain/alerts/
 * alert-state.ts), and so is a disabled one still pending or firing, with no data, so disabling
 * resolves it once. A change of state, its episode (AlertEvent) and its alert.fired or
 * alert.resolved deliveries are written in one transaction, under a lock on the rule's row, so
 * two monitors never notify twice. A rule that fails is logged and left for the next tick; the
 * others go on. Receivers are the webhooks worker's: a slow or failing one never slows this.
 */
export async function evaluateAlertRules(
  readers: MetricReaders,
  { nowMs = Date.now() }: { nowMs?: number } = {},
): Promise<AlertEvaluationReport> {
  const rules = await getDb().alertRule.findMany({
    where: { deploymentId: { not: null }, OR: [{ enabled: true }, { state: { not: "inactive" } }] },
    select: {
      id: true,
      teamId: true,
      enabled: true,
      metric: true,
      windowMinutes: true,
      deployment: { select: { id: true, name: true, device: true } },
    },
  });
  const report: AlertEvaluationReport = { evaluated: 0, fired: 0, resolved: 0, failed: 0 };
  for (const rule of rules) {
    try {
      const metric = ZAlertCondition.shape.metric.parse(rule.metric);
      const value = rule.enabled
        ? await readAlertMetric(
            { teamId: rule.teamId, deployment: rule.deployment!, metric, windowMinutes: rule.windowMinutes },
            readers,
            nowMs,
          )
        : null;
      const outcome = await stepRule(rule.id, value, nowMs);
      report.evaluated++;
      if (outcome === "fired") report.fired++;
      if (outcome === "resolved") report.resolved++;
    } catch (error) {
      report.failed++;
      getLogger().warn(
        { component: "alerts", err: error, ruleId: rule.id },
        "alert rule not evaluated; the next tick tries again",
      );
    }
  }
  return report;
}

async function stepRule(
  ruleId: string,
  value: number | null,
  nowMs: number,
): Promise<"fired" | "resolved" | null> {
  const { outcome, deliveryIds } = await getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "AlertRule" WHERE id = ${ruleId} FOR UPDATE`;
    const rule = await tx.alertRule.findUniqueOrThrow({
      where: { id: ruleId },
      select: {
        teamId: true,
        name: true,
        metric: true,
        comparator: true,
        threshold: true,
        windowMinutes: true,
        forMinutes: true,
        state: true,
        stateSince: true,
        deployment: { select: { name: true } },
      },
    });
    const condition = ZAlertCondition.parse(rule);
    const step = stepAlert(condition, stateOf(rule), value, nowMs);
    const since = step.state.kind === "inactive" ? null : new Date(step.state.sinceMs);
    await tx.alertRule.update({
      where: { id: ruleId },
      data: { state: step.state.kind, stateSince: since, lastValue: value, lastEvaluatedAt: new Date(nowMs) },
    });
    const notification = step.notification;
    if (!notification) return { outcome: null, deliveryIds: [] };
    const sentenceOf = { ...condition, name: rule.name, deploymentName: rule.deployment?.name ?? null };
    if (notification.kind === "fired") {
      const latest = await tx.alertEvent.aggregate({ where: { ruleId }, _max: { number: true } });
      const episode = await tx.alertEvent.create({
        data: {
          teamId: rule.teamId,
          ruleId,
          number: (latest._max.number ?? 0) + 1,
          status: "firing",
          value: notification.value,
          message: alertSentence(sentenceOf, notification.value, "fired"),
          startedAt: new Date(notification.startedAtMs),
          firedAt: new Date(nowMs),
        },
        select: { id: true },
      });
      const ids = await emitAlertEvent(tx, { teamId: rule.teamId, alertEventId: episode.id, kind: "fired" });
      return { outcome: "fired" as const, deliveryIds: ids };
    }
    const ids = await resolveOpenEpisode(tx, {
      teamId: rule.teamId,
      ruleId,
      nowMs,
      value: notification.value,
      message: alertSentence(sentenceOf, notification.value, "resolved"),
    });
    if (ids === null) return { outcome: null, deliveryIds: [] };
    return { outcome: "resolved" as const, deliveryIds: ids };
  });
  await queueWebhookDeliveries(deliveryIds);
  return outcome;
}

function stateOf(rule: { state: AlertState["kind"]; stateSince: Date | null }): AlertState {
  const sinceMs = rule.stateSince?.getTime() ?? Date.now();
  if (rule.state === "pending") return { kind: "pending", sinceMs };
  if (rule.state === "firing") return { kind: "firing", sinceMs, firedAtMs: sinceMs };
  return { kind: "inactive" };
}
