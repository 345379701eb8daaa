import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { AppError } from "@/server/domain/app-error";
import { WEBHOOK_FORMATS } from "@/server/domain/webhooks/webhook-formats";
import { getDb } from "@/server/db";

/** A webhook as the API shows it: never its secret, only the secret's first characters. */
export const ZWebhookOutput = z.object({
  number: z.number().int(),
  url: z.string(),
  description: z.string(),
  /** Empty: every event type. */
  eventTypes: z.array(z.string()),
  /** Empty: every model. */
  modelNames: z.array(z.string()),
  enabled: z.boolean(),
  /** How bodies are written for the receiver (server/domain/webhooks/webhook-formats.ts). */
  format: z.enum(WEBHOOK_FORMATS),
  /** For PagerDuty: whether an integration key is stored (it is never shown). */
  hasRoutingKey: z.boolean(),
  /** "whsec_Ab3d…": which secret a receiver should hold. */
  secretPrefix: z.string(),
  createdBy: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type WebhookOutput = z.output<typeof ZWebhookOutput>;

export const WEBHOOK_OUTPUT_SELECT = {
  number: true,
  url: true,
  description: true,
  eventTypes: true,
  modelNames: true,
  enabled: true,
  format: true,
  routingKeyCiphertext: true,
  secretPrefix: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.WebhookSelect;

type StoredWebhook = Omit<WebhookOutput, "hasRoutingKey"> & { routingKeyCiphertext: string | null };

/** A stored row as the API shows it: whether a routing key is kept, never the key. */
export function webhookOutputOf<T extends StoredWebhook>({ routingKeyCiphertext, ...webhook }: T) {
  return { ...webhook, hasRoutingKey: routingKeyCiphertext !== null };
}

/** Which webhook a procedure acts on: by its number in the caller's team. */
export const ZWebhookNumber = z.number().int().positive();

/** What the audit log keeps of a webhook (no secret, nor its ciphertext). */
export function webhookAuditFields(webhook: WebhookOutput) {
  const { number, url, description, eventTypes, modelNames, enabled, format, hasRoutingKey, secretPrefix } =
    webhook;
  return { number, url, description, eventTypes, modelNames, enabled, format, hasRoutingKey, secretPrefix };
}

type Client = Prisma.TransactionClient | ReturnType<typeof getDb>;

/** The team's webhook of that number; another team's is as absent as one never made. */
export async function findWebhookOrThrow(teamId: string, number: number, client: Client = getDb()) {
  const webhook = await client.webhook.findUnique({
    where: { teamId_number: { teamId, number } },
    select: { id: true, ...WEBHOOK_OUTPUT_SELECT },
  });
  if (!webhook) throw new AppError("NOT_FOUND", `webhook #${number} does not exist`);
  return webhookOutputOf(webhook);
}
