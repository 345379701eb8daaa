import { z } from "zod";
import { PING_EVENT_TYPE } from "@/server/domain/webhooks/event-types";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { recordWebhookDeliveries } from "@/server/services/webhook/emit-webhook-event";
import { queueWebhookDeliveries } from "@/server/services/webhook/queue-webhook-deliveries";
import { findWebhookOrThrow, ZWebhookNumber } from "@/server/services/webhook/webhook-output";

export const ZPingWebhookInput = z.object({ number: ZWebhookNumber });
export const ZPingWebhookOutput = z.object({ eventId: z.string() });

/** A webhook.ping event to this webhook only, whatever its filters: a receiver's first check. */
export async function pingWebhook({
  teamId,
  actor,
  number,
}: z.output<typeof ZPingWebhookInput> & { teamId: string; actor: string }) {
  const { deliveryIds, eventId } = await getDb().$transaction(async (tx) => {
    const webhook = await findWebhookOrThrow(teamId, number, tx);
    if (!webhook.enabled)
      throw new AppError("CONFLICT", `webhook #${number} is disabled; enable it to send it events`);
    const recorded = await recordWebhookDeliveries(tx, {
      teamId,
      webhookIds: [webhook.id],
      event: {
        type: PING_EVENT_TYPE,
        data: { webhookNumber: number, message: "a test event from the MLOps console" },
      },
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "webhook.ping",
      targetType: "webhook",
      targetId: webhook.id,
      before: null,
      // Not `eventId`: the audit log hides keys ending in Id as row ids; this one is public.
      after: { number, event: recorded.eventId },
    });
    return recorded;
  });
  await queueWebhookDeliveries(deliveryIds);
  return { eventId };
}
