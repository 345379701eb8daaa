import { z } from "zod";
import { ZEventTypeFilter, ZModelNameFilter } from "@/server/domain/webhooks/event-filter";
import { ZWebhookUrl } from "@/server/domain/webhooks/webhook-url";
import { ZRoutingKey, ZWebhookFormat } from "@/server/domain/webhooks/webhook-receiver";
import { AppError } from "@/server/domain/app-error";
import { encryptWebhookSecret } from "@/server/services/webhook/webhook-secret";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  findWebhookOrThrow,
  WEBHOOK_OUTPUT_SELECT,
  webhookAuditFields,
  webhookOutputOf,
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
  format: ZWebhookFormat.optional(),
  /** A new PagerDuty integration key (stored encrypted, never shown). */
  routingKey: ZRoutingKey.optional(),
});
export const ZUpdateWebhookOutput = ZWebhookOutput;

export async function updateWebhook({
  teamId,
  actor,
  number,
  routingKey,
  ...changes
}: z.output<typeof ZUpdateWebhookInput> & { teamId: string; actor: string }): Promise<WebhookOutput> {
  return getDb().$transaction(async (tx) => {
    const { id, ...before } = await findWebhookOrThrow(teamId, number, tx);
    const format = changes.format ?? before.format;
    if (routingKey !== undefined && format !== "pagerduty")
      throw new AppError("BAD_REQUEST", "only a PagerDuty webhook takes a routing key");
    if (format === "pagerduty" && routingKey === undefined && !before.hasRoutingKey)
      throw new AppError("BAD_REQUEST", "a PagerDuty webhook needs its integration (routing) key");
    const routingKeyCiphertext =
      routingKey !== undefined ? encryptWebhookSecret(routingKey) : format === "pagerduty" ? undefined : null;
    const after = webhookOutputOf(
      await tx.webhook.update({
        where: { id },
        data: { ...changes, routingKeyCiphertext },
        select: WEBHOOK_OUTPUT_SELECT,
      }),
    );
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
