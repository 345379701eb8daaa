import { z } from "zod";
import { ZBatchJobStatus } from "@/server/domain/batch/batch-spec";
import { getDb } from "@/server/db";
import {
  BATCH_JOB_OUTPUT_INCLUDE,
  batchJobOutputOf,
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
  const jobs = await getDb().batchJob.findMany({
    where: {
      teamId,
      ...(status && { status }),
      ...(modelName && { modelVersion: { model: { name: modelName } } }),
      ...(deploymentName && { deployment: { name: deploymentName } }),
    },
    include: BATCH_JOB_OUTPUT_INCLUDE,
    orderBy: { createdAt: "desc" },
    take: limit,
  });
  return { jobs: jobs.map((job) => batchJobOutputOf(job, { withChunks: false })) };
}
