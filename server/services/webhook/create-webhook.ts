import { z } from "zod";
import { generateWebhookSecret, WEBHOOK_SECRET_PREFIX } from "@/server/contracts/webhook-events";
import { ZWebhookFilters } from "@/server/domain/webhooks/event-filter";
import { ZWebhookUrl } from "@/server/domain/webhooks/webhook-url";
import { defaultUrlFor, ZRoutingKey, ZWebhookFormat } from "@/server/domain/webhooks/webhook-receiver";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  WEBHOOK_OUTPUT_SELECT,
  webhookAuditFields,
  webhookOutputOf,
  ZWebhookOutput,
} from "@/server/services/webhook/webhook-output";
import { encryptWebhookSecret } from "@/server/services/webhook/webhook-secret";

export const ZCreateWebhookInput = ZWebhookFilters.extend({
  /** Optional for PagerDuty only: its Events API v2 address by default. */
  url: ZWebhookUrl.optional(),
  description: z.string().trim().max(500).default(""),
  format: ZWebhookFormat.default("standard"),
  /** PagerDuty's integration key: required for that format, refused for the others. */
  routingKey: ZRoutingKey.optional(),
}).superRefine((input, ctx) => {
  if (input.url === undefined && defaultUrlFor(input.format) === null)
    ctx.addIssue({ code: "custom", path: ["url"], message: "url is required" });
  if (input.format === "pagerduty" && input.routingKey === undefined)
    ctx.addIssue({
      code: "custom",
      path: ["routingKey"],
      message: "a PagerDuty webhook needs its integration (routing) key",
    });
  if (input.format !== "pagerduty" && input.routingKey !== undefined)
    ctx.addIssue({
      code: "custom",
      path: ["routingKey"],
      message: "only a PagerDuty webhook takes a routing key",
    });
});
export type CreateWebhookOptions = z.output<typeof ZCreateWebhookInput> & { teamId: string; actor: string };

export const ZCreateWebhookOutput = z.object({
  webhook: ZWebhookOutput,
  /** The signing secret, in full this once: it is never shown again. */
  secret: z.string(),
});

/** Characters of the secret after "whsec_" that lists show. */
const SHOWN_SECRET_CHARS = 4;

/**
 * A new webhook with a fresh signing secret, numbered per team (under a lock on the team row
 * that lets rows referencing the team be written meanwhile), audited without the secret.
 */
export async function createWebhook({
  teamId,
  actor,
  url,
  description,
  eventTypes,
  modelNames,
  format,
  routingKey,
}: CreateWebhookOptions): Promise<z.output<typeof ZCreateWebhookOutput>> {
  const secret = generateWebhookSecret();
  const secretCiphertext = encryptWebhookSecret(secret);
  const secretPrefix = `${secret.slice(0, WEBHOOK_SECRET_PREFIX.length + SHOWN_SECRET_CHARS)}…`;
  const webhook = await getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId} FOR NO KEY UPDATE`;
    const latest = await tx.webhook.aggregate({ where: { teamId }, _max: { number: true } });
    const created = await tx.webhook.create({
      data: {
        teamId,
        number: (latest._max.number ?? 0) + 1,
        url: url ?? defaultUrlFor(format)!,
        description,
        eventTypes,
        modelNames,
        format,
        routingKeyCiphertext: routingKey === undefined ? null : encryptWebhookSecret(routingKey),
        secretCiphertext,
        secretPrefix,
        createdBy: actor,
      },
      select: { id: true, ...WEBHOOK_OUTPUT_SELECT },
    });
    const { id, ...output } = webhookOutputOf(created);
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "webhook.create",
      targetType: "webhook",
      targetId: id,
      before: null,
      after: webhookAuditFields(output),
    });
    return output;
  });
  return { webhook, secret };
}
