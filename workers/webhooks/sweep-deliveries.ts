import { getDb } from "@/server/db";

/** A due delivery younger than this is left to the job queued after its commit or retry. */
export const SWEEP_GRACE_MS = 5_000;
/** Deliveries one sweep looks at; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

export interface SweepReport {
  requeued: number;
  failed: number;
}

/**
 * Pending deliveries overdue by more than the grace lost their job (Redis restarted without its
 * data, Redis was down at the commit, a worker died mid-attempt): each gets its next attempt
 * queued again. Queueing an attempt whose job still exists does nothing (the job id names the
 * attempt), and one whose attempt already ran is skipped by the attempt itself, so a sweep
 * never sends twice what it should send once. A delivery whose last attempt never finished
 * has none left: it fails, saying so.
 */
export async function sweepDeliveries({
  maxAttempts,
  queueAttempt,
}: {
  maxAttempts: number;
  queueAttempt(deliveryId: string, attempt: number): Promise<void>;
}): Promise<SweepReport> {
  const db = getDb();
  const due = await db.webhookDelivery.findMany({
    where: { status: "pending", nextAttemptAt: { lte: new Date(Date.now() - SWEEP_GRACE_MS) } },
    orderBy: { nextAttemptAt: "asc" },
    take: SWEEP_BATCH,
    select: { id: true, attempts: true },
  });
  const exhausted = due.filter((delivery) => delivery.attempts >= maxAttempts);
  const failed = await Promise.all(
    exhausted.map((delivery) =>
      db.webhookDelivery.updateMany({
        where: { id: delivery.id, status: "pending", attempts: delivery.attempts },
        data: {
          status: "failed",
          lastError: "the last attempt did not finish (its worker stopped) and no attempt is left",
          nextAttemptAt: null,
        },
      }),
    ),
  );
  const retried = due.filter((delivery) => delivery.attempts < maxAttempts);
  for (const delivery of retried) await queueAttempt(delivery.id, delivery.attempts + 1);
  return { requeued: retried.length, failed: failed.reduce((sum, result) => sum + result.count, 0) };
}
