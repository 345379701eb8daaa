import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import type { BatchJobOutput } from "@/server/services/batch-job/batch-job-output";
import { batchJobNotFound, getBatchJob } from "@/server/services/batch-job/get-batch-job";

/**
 * Stops a job: it is cancelled at once, chunks not yet started are skipped when a worker takes
 * them, and a running chunk stops at its next progress check (about a second). Finished chunks' files stay until the
 * job is removed. A finished job cannot be cancelled.
 */
export async function cancelBatchJob({
  teamId,
  actor,
  id,
}: {
  teamId: string;
  actor: string;
  id: string;
}): Promise<BatchJobOutput> {
  const db = getDb();
  await db.$transaction(async (tx) => {
    const job = await tx.batchJob.findFirst({ where: { id, teamId }, select: { status: true } });
    if (!job) throw batchJobNotFound(id);
    if (job.status !== "queued" && job.status !== "running")
      throw new AppError(
        "CONFLICT",
        `batch job '${id}' is ${job.status}; only a queued or running job can be cancelled`,
      );
    const now = new Date();
    await tx.batchJob.update({
      where: { id },
      data: { status: "cancelled", cancelRequestedAt: now, finishedAt: now },
    });
    await tx.batchJobChunk.updateMany({
      where: { batchJobId: id, status: "queued" },
      data: { status: "cancelled" },
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "batchJob.cancel",
      targetType: "batchJob",
      targetId: id,
      before: { status: job.status },
      after: { status: "cancelled" },
    });
  });
  return getBatchJob({ teamId, id });
}
