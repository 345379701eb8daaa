import type { Prisma } from "@/generated/prisma/client";
import { emitAlertEvent } from "@/server/services/webhook/emit-alert-events";

/**
 * Marks the rule's firing episode resolved and records its alert.resolved deliveries, in the
 * caller's transaction (which holds the rule's row lock); returns the deliveries to queue after
 * commit; null when no episode is open.
 */
export async function resolveOpenEpisode(
  tx: Prisma.TransactionClient,
  {
    teamId,
    ruleId,
    nowMs,
    value,
    message,
  }: { teamId: string; ruleId: string; nowMs: number; value: number | null; message: string },
): Promise<string[] | null> {
  const open = await tx.alertEvent.findFirst({
    where: { ruleId, status: "firing" },
    orderBy: { number: "desc" },
    select: { id: true },
  });
  if (!open) return null;
  await tx.alertEvent.update({
    where: { id: open.id },
    data: { status: "resolved", resolvedAt: new Date(nowMs), resolvedValue: value },
  });
  return emitAlertEvent(tx, { teamId, alertEventId: open.id, kind: "resolved", message });
}
