import { z } from "zod";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  findWebhookOrThrow,
  webhookAuditFields,
  ZWebhookNumber,
} from "@/server/services/webhook/webhook-output";

export const ZDeleteWebhookInput = z.object({ number: ZWebhookNumber });
export const ZDeleteWebhookOutput = z.object({ number: z.number().int() });

/** Removes the webhook and its deliveries; attempts already queued find no row and do nothing. */
export async function deleteWebhook({
  teamId,
  actor,
  number,
}: z.output<typeof ZDeleteWebhookInput> & { teamId: string; actor: string }) {
  return getDb().$transaction(async (tx) => {
    const { id, ...webhook } = await findWebhookOrThrow(teamId, number, tx);
    await tx.webhook.delete({ where: { id } });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "webhook.delete",
      targetType: "webhook",
      targetId: id,
      before: webhookAuditFields(webhook),
      after: null,
    });
    return { number };
  });
}
