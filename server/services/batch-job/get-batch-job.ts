import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import {
  BATCH_JOB_OUTPUT_INCLUDE,
  batchJobOutputOf,
  ZBatchJobOutput,
  type BatchJobOutput,
} from "@/server/services/batch-job/batch-job-output";

export const ZGetBatchJobInput = z.object({ id: z.string().min(1) });
export const ZGetBatchJobOutput = ZBatchJobOutput;

/** A job with its progress and every chunk's status. */
export async function getBatchJob({ teamId, id }: { teamId: string; id: string }): Promise<BatchJobOutput> {
  const job = await getDb().batchJob.findFirst({ where: { id, teamId }, include: BATCH_JOB_OUTPUT_INCLUDE });
  if (!job) throw batchJobNotFound(id);
  return batchJobOutputOf(job);
}

export function batchJobNotFound(id: string): AppError {
  return new AppError("NOT_FOUND", `batch job '${id}' does not exist`);
}
