import { z } from "zod";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  alertRuleAuditFields,
  findAlertRuleOrThrow,
  ZAlertRuleNumber,
} from "@/server/services/alert/alert-rule-output";
import { resolveOpenEpisode } from "@/server/services/alert/resolve-open-episode";
import { queueWebhookDeliveries } from "@/server/services/webhook/queue-webhook-deliveries";

export const ZDeleteAlertRuleInput = z.object({ number: ZAlertRuleNumber });
export const ZDeleteAlertRuleOutput = z.object({ number: z.number().int() });

/**
 * Removes the rule and its history; to keep the history, disable it instead. A rule deleted while
 * firing resolves its episode first, so its receivers (a PagerDuty incident) are not left open.
 */
export async function deleteAlertRule({
  teamId,
  actor,
  number,
}: z.output<typeof ZDeleteAlertRuleInput> & { teamId: string; actor: string }) {
  const deliveryIds = await getDb().$transaction(async (tx) => {
    const { id, ...rule } = await findAlertRuleOrThrow(teamId, number, tx);
    // The monitor's evaluation holds this lock while it changes the rule's state.
    await tx.$queryRaw`SELECT id FROM "AlertRule" WHERE id = ${id} FOR UPDATE`;
    const { state } = await tx.alertRule.findUniqueOrThrow({ where: { id }, select: { state: true } });
    const resolved =
      state === "firing"
        ? await resolveOpenEpisode(tx, {
            teamId,
            ruleId: id,
            nowMs: Date.now(),
            value: null,
            message: `${rule.name} resolved: the rule was deleted`,
          })
        : null;
    await tx.alertRule.delete({ where: { id } });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "alert.delete",
      targetType: "alertRule",
      targetId: id,
      before: alertRuleAuditFields(rule),
      after: null,
    });
    return resolved ?? [];
  });
  await queueWebhookDeliveries(deliveryIds);
  return { number };
}
