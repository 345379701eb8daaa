import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { queueBatchRound } from "@/server/services/batch-job/batch-flow";
import type { BatchJobOutput } from "@/server/services/batch-job/batch-job-output";
import { batchJobNotFound, getBatchJob } from "@/server/services/batch-job/get-batch-job";

/**
 * Runs a failed job's failed chunks again, as a new round (a flow of its own); the chunks that
 * succeeded keep their files, and the new finalize assembles all of them in input order.
 */
export async function retryBatchJob({
  teamId,
  actor,
  id,
}: {
  teamId: string;
  actor: string;
  id: string;
}): Promise<BatchJobOutput> {
  const db = getDb();
  const { round, chunkIndices } = await db.$transaction(async (tx) => {
    const job = await tx.batchJob.findFirst({
      where: { id, teamId },
      select: {
        status: true,
        round: true,
        chunks: { where: { status: { not: "succeeded" } }, select: { index: true } },
      },
    });
    if (!job) throw batchJobNotFound(id);
    if (job.status !== "failed")
      throw new AppError(
        "CONFLICT",
        `batch job '${id}' is ${job.status}; only a failed job's chunks can be retried`,
      );
    const indices = job.chunks.map((chunk) => chunk.index);
    const next = job.round + 1;
    await tx.batchJobChunk.updateMany({
      where: { batchJobId: id, index: { in: indices } },
      data: { status: "queued", error: null, processedRows: 0, failedRows: 0 },
    });
    await tx.batchJob.update({
      where: { id },
      data: {
        status: "running",
        round: next,
        error: null,
        finishedAt: null,
        outputKey: null,
        errorsKey: null,
      },
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "batchJob.retry",
      targetType: "batchJob",
      targetId: id,
      before: { status: job.status },
      after: { round: next, chunks: indices },
    });
    return { round: next, chunkIndices: indices };
  });
  await queueBatchRound(id, round, chunkIndices);
  return getBatchJob({ teamId, id });
}
