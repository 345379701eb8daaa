import { z } from "zod";
import { decodeMomentCursor, nextMomentCursor } from "@/server/domain/moment-cursor";
import { getDb } from "@/server/db";
import { findWebhookOrThrow, ZWebhookNumber } from "@/server/services/webhook/webhook-output";

export const ZListWebhookDeliveriesInput = z.object({
  number: ZWebhookNumber,
  status: z.enum(["pending", "delivered", "failed"]).optional(),
  /** nextCursor of the page before; absent for the newest page. */
  cursor: z.string().optional(),
  limit: z.number().int().min(1).max(200).default(20),
});

export const ZWebhookDeliveryOutput = z.object({
  /** The body's id and the webhook-id header; what redeliver takes. */
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastResponseExcerpt: z.string().nullable(),
  lastDurationMs: z.number().int().nullable(),
  /** The JSON body as sent. */
  body: z.string(),
  createdAt: z.date(),
  lastAttemptAt: z.date().nullable(),
  nextAttemptAt: z.date().nullable(),
  deliveredAt: z.date().nullable(),
});
export type WebhookDeliveryOutput = z.output<typeof ZWebhookDeliveryOutput>;

export const ZListWebhookDeliveriesOutput = z.object({
  /** Newest first. */
  deliveries: z.array(ZWebhookDeliveryOutput),
  nextCursor: z.string().nullable(),
});

/** One webhook's deliveries, newest first, a page at a time. */
export async function listWebhookDeliveries({
  teamId,
  number,
  status,
  cursor,
  limit,
}: z.output<typeof ZListWebhookDeliveriesInput> & { teamId: string }): Promise<
  z.output<typeof ZListWebhookDeliveriesOutput>
> {
  const webhook = await findWebhookOrThrow(teamId, number);
  const position = cursor === undefined ? null : decodeMomentCursor(cursor);
  const rows = await getDb().webhookDelivery.findMany({
    where: {
      webhookId: webhook.id,
      ...(status && { status }),
      ...(position && { createdAt: { lte: position.at } }),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: position?.seenAtMoment ?? 0,
    take: limit + 1,
    select: {
      eventId: true,
      eventType: true,
      status: true,
      attempts: true,
      lastStatusCode: true,
      lastError: true,
      lastResponseExcerpt: true,
      lastDurationMs: true,
      body: true,
      createdAt: true,
      lastAttemptAt: true,
      nextAttemptAt: true,
      deliveredAt: true,
    },
  });
  const deliveries = rows.slice(0, limit);
  return {
    deliveries,
    nextCursor: rows.length > limit ? nextMomentCursor(deliveries, position) : null,
  };
}
