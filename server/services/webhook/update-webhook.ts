import { z } from "zod";
import { ZEventTypeFilter, ZModelNameFilter } from "@/server/domain/webhooks/event-filter";
import { ZWebhookUrl } from "@/server/domain/webhooks/webhook-url";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  findWebhookOrThrow,
  WEBHOOK_OUTPUT_SELECT,
  webhookAuditFields,
  ZWebhookNumber,
  ZWebhookOutput,
  type WebhookOutput,
} from "@/server/services/webhook/webhook-output";

/** Only the fields given change; the secret never does (delete and create for a new one). */
export const ZUpdateWebhookInput = z.object({
  number: ZWebhookNumber,
  enabled: z.boolean().optional(),
  url: ZWebhookUrl.optional(),
  description: z.string().trim().max(500).optional(),
  eventTypes: ZEventTypeFilter.optional(),
  modelNames: ZModelNameFilter.optional(),
});
export const ZUpdateWebhookOutput = ZWebhookOutput;

export async function updateWebhook({
  teamId,
  actor,
  number,
  ...changes
}: z.output<typeof ZUpdateWebhookInput> & { teamId: string; actor: string }): Promise<WebhookOutput> {
  return getDb().$transaction(async (tx) => {
    const { id, ...before } = await findWebhookOrThrow(teamId, number, tx);
    const after = await tx.webhook.update({ where: { id }, data: changes, select: WEBHOOK_OUTPUT_SELECT });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "webhook.update",
      targetType: "webhook",
      targetId: id,
      before: webhookAuditFields(before),
      after: webhookAuditFields(after),
    });
    return after;
  });
}
