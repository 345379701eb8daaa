import type { Prisma } from "@/generated/prisma/client";
import {
  newWebhookEventId,
  serializeWebhookEvent,
  type WebhookEventInput,
} from "@/server/contracts/webhook-events";
import { webhookWants } from "@/server/domain/webhooks/event-filter";
import { formatReceives } from "@/server/domain/webhooks/webhook-formats";

/**
 * Records the event for every enabled webhook of the team whose filters want it, inside the
 * transaction of the change it reports (an outbox): the event exists exactly when the change
 * does. Returns the deliveries to queue once the transaction has committed
 * (queueWebhookDeliveries); nothing when no webhook wants it, so a team without webhooks pays
 * one indexed read.
 */
export async function emitWebhookEvent(
  tx: Prisma.TransactionClient,
  { teamId, event }: { teamId: string; event: Exclude<WebhookEventInput, { type: "webhook.ping" }> },
): Promise<string[]> {
  const webhooks = await tx.webhook.findMany({
    where: { teamId, enabled: true },
    select: { id: true, eventTypes: true, modelNames: true, format: true },
  });
  const modelName = event.data.modelName ?? null;
  const wanting = webhooks.filter(
    (webhook) =>
      formatReceives(webhook.format, event.type) && webhookWants(webhook, { type: event.type, modelName }),
  );
  const webhookIds = wanting.map((webhook) => webhook.id);
  if (webhookIds.length === 0) return [];
  return (await recordWebhookDeliveries(tx, { teamId, webhookIds, event })).deliveryIds;
}

/** One delivery row per webhook, all with the same new event id and body, due now. */
export async function recordWebhookDeliveries(
  tx: Prisma.TransactionClient,
  { teamId, webhookIds, event }: { teamId: string; webhookIds: string[]; event: WebhookEventInput },
): Promise<{ eventId: string; deliveryIds: string[] }> {
  const { slug } = await tx.team.findUniqueOrThrow({ where: { id: teamId }, select: { slug: true } });
  const eventId = newWebhookEventId();
  const occurredAt = new Date();
  const body = serializeWebhookEvent({ id: eventId, occurredAt, teamSlug: slug, event });
  const rows = await tx.webhookDelivery.createManyAndReturn({
    data: webhookIds.map((webhookId) => ({
      teamId,
      webhookId,
      eventId,
      eventType: event.type,
      body,
      nextAttemptAt: occurredAt,
    })),
    select: { id: true },
  });
  return { eventId, deliveryIds: rows.map((row) => row.id) };
}
