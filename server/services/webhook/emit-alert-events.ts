import type { Prisma } from "@/generated/prisma/client";
import type { WebhookEventInput } from "@/server/contracts/webhook-events";
import { emitWebhookEvent, recordWebhookDeliveries } from "@/server/services/webhook/emit-webhook-event";

type AlertEventInput = Extract<WebhookEventInput, { type: "alert.fired" | "alert.resolved" }>;

/**
 * The alert.fired or alert.resolved event of an episode (AlertEvent) the alert evaluation has
 * just changed, recorded in the same transaction. A rule that names receivers (webhook numbers)
 * notifies those of them that are enabled, whatever their filters; one that names none notifies
 * the team's webhooks whose filters want the event. Returns the deliveries to queue after commit.
 */
export async function emitAlertEvent(
  tx: Prisma.TransactionClient,
  {
    teamId,
    alertEventId,
    kind,
    message,
  }: {
    teamId: string;
    alertEventId: string;
    kind: "fired" | "resolved";
    /** What the notification says, when not the episode's own (firing) sentence. */
    message?: string;
  },
): Promise<string[]> {
  const episode = await tx.alertEvent.findFirstOrThrow({
    where: { id: alertEventId, teamId },
    select: {
      number: true,
      value: true,
      resolvedValue: true,
      message: true,
      startedAt: true,
      firedAt: true,
      resolvedAt: true,
      rule: {
        select: {
          number: true,
          name: true,
          metric: true,
          comparator: true,
          threshold: true,
          windowMinutes: true,
          receiverNumbers: true,
          deployment: { select: { name: true, model: { select: { name: true } } } },
        },
      },
    },
  });
  const { rule } = episode;
  const common = {
    ruleNumber: rule.number,
    ruleName: rule.name,
    episodeNumber: episode.number,
    metric: rule.metric,
    comparator: rule.comparator,
    threshold: rule.threshold,
    windowMinutes: rule.windowMinutes,
    message: message ?? episode.message,
    deploymentName: rule.deployment?.name ?? null,
    modelName: rule.deployment?.model.name ?? null,
    startedAt: episode.startedAt.toISOString(),
    firedAt: episode.firedAt.toISOString(),
  };
  const event: AlertEventInput =
    kind === "fired"
      ? { type: "alert.fired", data: { ...common, value: episode.value } }
      : {
          type: "alert.resolved",
          data: {
            ...common,
            value: episode.resolvedValue,
            resolvedAt: (episode.resolvedAt ?? new Date()).toISOString(),
          },
        };
  if (rule.receiverNumbers.length === 0) return emitWebhookEvent(tx, { teamId, event });
  const receivers = await tx.webhook.findMany({
    where: { teamId, enabled: true, number: { in: rule.receiverNumbers } },
    select: { id: true },
  });
  if (receivers.length === 0) return [];
  const recorded = await recordWebhookDeliveries(tx, {
    teamId,
    webhookIds: receivers.map((webhook) => webhook.id),
    event,
  });
  return recorded.deliveryIds;
}
