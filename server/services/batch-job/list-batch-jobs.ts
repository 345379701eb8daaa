import { z } from "zod";
import { ZBatchJobStatus } from "@/server/domain/batch/batch-spec";
import { getDb } from "@/server/db";
import {
  BATCH_JOB_SUMMARY_INCLUDE,
  batchJobSummaryOf,
  ZBatchJobOutput,
} from "@/server/services/batch-job/batch-job-output";

export const ZListBatchJobsInput = z.object({
  status: ZBatchJobStatus.optional(),
  modelName: z.string().min(1).optional(),
  deploymentName: z.string().min(1).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export const ZListBatchJobsOutput = z.object({ jobs: z.array(ZBatchJobOutput) });

/** The team's jobs, newest first, without their chunk lists. */
export async function listBatchJobs({
  teamId,
  status,
  modelName,
  deploymentName,
  limit,
}: z.output<typeof ZListBatchJobsInput> & { teamId: string }): Promise<
  z.output<typeof ZListBatchJobsOutput>
> {
  const db = getDb();
  const jobs = await db.batchJob.findMany({
    where: {
      teamId,
      ...(status && { status }),
      ...(modelName && { modelVersion: { model: { name: modelName } } }),
      ...(deploymentName && { deployment: { name: deploymentName } }),
    },
    include: BATCH_JOB_SUMMARY_INCLUDE,
    orderBy: { createdAt: "desc" },
    take: limit,
  });
  // One grouped sum for the page, however many chunks its jobs have.
  const sums = await db.batchJobChunk.groupBy({
    by: ["batchJobId"],
    where: { batchJobId: { in: jobs.map((job) => job.id) } },
    _sum: { processedRows: true, failedRows: true },
  });
  const byJob = new Map(sums.map((sum) => [sum.batchJobId, sum._sum]));
  return {
    jobs: jobs.map((job) =>
      batchJobSummaryOf(job, {
        doneRows: byJob.get(job.id)?.processedRows ?? 0,
        failedRows: byJob.get(job.id)?.failedRows ?? 0,
      }),
    ),
  };
}
