import { z } from "zod";
import { PING_EVENT_TYPE } from "@/server/domain/webhooks/event-types";
import { webhookWants } from "@/server/domain/webhooks/event-filter";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findAlertRuleOrThrow } from "@/server/services/alert/alert-rule-output";
import { recordWebhookDeliveries } from "@/server/services/webhook/emit-webhook-event";
import { queueWebhookDeliveries } from "@/server/services/webhook/queue-webhook-deliveries";
import { findWebhookOrThrow } from "@/server/services/webhook/webhook-output";

export const ZTestSendAlertInput = z.union(
  [
    z.object({ ruleNumber: z.number().int().positive() }).strict(),
    z.object({ webhookNumber: z.number().int().positive() }).strict(),
  ],
  { error: "name either a rule (ruleNumber) or a webhook (webhookNumber) to send the test to" },
);
export const ZTestSendAlertOutput = z.object({ webhookNumbers: z.array(z.number().int()) });

/**
 * A test notification (a webhook.ping in each receiver's format) to one webhook, or to every
 * receiver a rule would notify: its named webhooks, else the team's webhooks wanting alert.fired.
 * Delivered and recorded like any event, so the deliveries table shows whether it arrived.
 */
export async function testSendAlert(
  input: z.output<typeof ZTestSendAlertInput> & { teamId: string; actor: string },
) {
  const { teamId, actor } = input;
  const { deliveryIds, webhookNumbers } = await getDb().$transaction(async (tx) => {
    let label: string;
    let targetId: string;
    let targets: { id: string; number: number }[];
    if ("webhookNumber" in input) {
      const webhook = await findWebhookOrThrow(teamId, input.webhookNumber, tx);
      if (!webhook.enabled)
        throw new AppError("CONFLICT", `webhook #${webhook.number} is disabled; enable it to send it events`);
      label = `webhook #${webhook.number}`;
      targetId = webhook.id;
      targets = [webhook];
    } else {
      const rule = await findAlertRuleOrThrow(teamId, input.ruleNumber, tx);
      label = `alert rule #${rule.number} (${rule.name})`;
      targetId = rule.id;
      const enabled = await tx.webhook.findMany({
        where: { teamId, enabled: true },
        select: { id: true, number: true, eventTypes: true, modelNames: true },
        orderBy: { number: "asc" },
      });
      targets =
        rule.receiverNumbers.length > 0
          ? enabled.filter((webhook) => rule.receiverNumbers.includes(webhook.number))
          : enabled.filter((webhook) => webhookWants(webhook, { type: "alert.fired", modelName: null }));
      if (targets.length === 0)
        throw new AppError(
          "CONFLICT",
          `${label} has no enabled receiver: name webhooks on the rule or subscribe one to alert events`,
        );
    }
    const ids: string[] = [];
    for (const webhook of targets) {
      const recorded = await recordWebhookDeliveries(tx, {
        teamId,
        webhookIds: [webhook.id],
        event: {
          type: PING_EVENT_TYPE,
          data: { webhookNumber: webhook.number, message: `a test notification for ${label}` },
        },
      });
      ids.push(...recorded.deliveryIds);
    }
    const numbers = targets.map((webhook) => webhook.number);
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "alert.testSend",
      targetType: "ruleNumber" in input ? "alertRule" : "webhook",
      targetId,
      before: null,
      after: { target: label, webhookNumbers: numbers },
    });
    return { deliveryIds: ids, webhookNumbers: numbers };
  });
  await queueWebhookDeliveries(deliveryIds);
  return { webhookNumbers };
}
