import type { Prisma } from "@/generated/prisma/client";
import { emitWebhookEvent } from "@/server/services/webhook/emit-webhook-event";

/**
 * The alert.fired event of an AlertEvent that has just started firing, for the alert
 * evaluation (a later issue) to call in the transaction that records it, queueing the returned
 * deliveries after the commit like every other producer.
 */
export async function emitAlertFired(
  tx: Prisma.TransactionClient,
  { teamId, alertEventId }: { teamId: string; alertEventId: string },
): Promise<string[]> {
  const alert = await tx.alertEvent.findFirstOrThrow({
    where: { id: alertEventId, teamId },
    select: {
      value: true,
      message: true,
      startedAt: true,
      rule: {
        select: {
          name: true,
          metric: true,
          comparator: true,
          threshold: true,
          deployment: { select: { name: true, model: { select: { name: true } } } },
        },
      },
    },
  });
  const { rule } = alert;
  return emitWebhookEvent(tx, {
    teamId,
    event: {
      type: "alert.fired",
      data: {
        ruleName: rule.name,
        metric: rule.metric,
        comparator: rule.comparator,
        threshold: rule.threshold,
        value: alert.value,
        message: alert.message,
        deploymentName: rule.deployment?.name ?? null,
        modelName: rule.deployment?.model.name ?? null,
        startedAt: alert.startedAt.toISOString(),
      },
    },
  });
}
