import type { Prisma } from "@/generated/prisma/client";

export interface AuditEventInput {
  teamId: string;
  /** "user:<id>", "apikey:<id>", "local" until sign-in, or "system". */
  actor: string;
  /** `<noun>.<verb>`, e.g. "deployment.promote", "modelVersion.register". */
  action: string;
  targetType: string;
  targetId: string;
  /** The target's fields as they were (null when it was created). */
  before: unknown;
  /** The target's fields as they are now (null when it was deleted). */
  after: unknown;
}

/**
 * Every mutation records one audit event in the same transaction as its change, so the log
 * never shows a change that did not happen, nor misses one that did.
 */
export async function recordAuditEvent(tx: Prisma.TransactionClient, event: AuditEventInput): Promise<void> {
  const { before, after, ...row } = event;
  await tx.auditEvent.create({
    data: { ...row, data: { before: before ?? null, after: after ?? null } as Prisma.InputJsonValue },
  });
}
