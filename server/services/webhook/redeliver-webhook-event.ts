import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { queueWebhookDeliveries } from "@/server/services/webhook/queue-webhook-deliveries";
import { findWebhookOrThrow, ZWebhookNumber } from "@/server/services/webhook/webhook-output";

export const ZRedeliverWebhookEventInput = z.object({ number: ZWebhookNumber, eventId: z.string().min(1) });
export const ZRedeliverWebhookEventOutput = z.object({ eventId: z.string() });

/**
 * Sends an event to the webhook again as a new delivery with a fresh set of attempts: the same
 * body and event id (receivers that saw it deduplicate by webhook-id), signed anew. The earlier
 * delivery keeps its history.
 */
export async function redeliverWebhookEvent({
  teamId,
  actor,
  number,
  eventId,
}: z.output<typeof ZRedeliverWebhookEventInput> & { teamId: string; actor: string }) {
  const deliveryIds = await getDb().$transaction(async (tx) => {
    const webhook = await findWebhookOrThrow(teamId, number, tx);
    if (!webhook.enabled)
      throw new AppError("CONFLICT", `webhook #${number} is disabled; enable it to send it events`);
    const earlier = await tx.webhookDelivery.findFirst({
      where: { webhookId: webhook.id, eventId },
      orderBy: { createdAt: "desc" },
      select: { eventType: true, body: true },
    });
    if (!earlier) throw new AppError("NOT_FOUND", `webhook #${number} has no delivery of event ${eventId}`);
    const delivery = await tx.webhookDelivery.create({
      data: { teamId, webhookId: webhook.id, eventId, ...earlier, nextAttemptAt: new Date() },
      select: { id: true },
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "webhook.redeliver",
      targetType: "webhook",
      targetId: webhook.id,
      before: null,
      // Not `eventId`: the audit log hides keys ending in Id as row ids; this one is public.
      after: { number, event: eventId, eventType: earlier.eventType },
    });
    return [delivery.id];
  });
  await queueWebhookDeliveries(deliveryIds);
  return { eventId };
}
