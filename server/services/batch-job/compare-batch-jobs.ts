import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { batchStorePath } from "@/server/contracts/batch";
import { AppError } from "@/server/domain/app-error";
import { OutputComparer } from "@/server/domain/batch/compare-outputs";
import { predictionOutputs } from "@/server/domain/batch/prediction-columns";
import { ZSignature } from "@/server/domain/signature";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { ZBatchComparison, type BatchComparison } from "@/server/services/batch-job/batch-job-output";
import { batchJobNotFound } from "@/server/services/batch-job/get-batch-job";
import { readOutputPredictions } from "@/server/services/batch-job/read-batch-output";

export const ZCompareBatchJobsInput = z.object({
  id: z.string().min(1),
  /** The source job by default (a re-run's original). */
  otherId: z.string().min(1).optional(),
});
export const ZCompareBatchJobsOutput = ZBatchComparison;

/**
 * How two jobs' predictions on the same input differ, row by row: the share of rows whose
 * labels changed and the mean |Δ| of the scores. Streams both outputs side by side; a re-run's
 * comparison with its source is kept on the job.
 */
export async function compareBatchJobs({
  teamId,
  id,
  otherId,
}: z.output<typeof ZCompareBatchJobsInput> & { teamId: string }): Promise<BatchComparison> {
  const db = getDb();
  const job = await findFinished(teamId, id);
  const otherJobId = otherId ?? job.sourceJobId;
  if (!otherJobId)
    throw new AppError("BAD_REQUEST", `batch job '${id}' is not a re-run: name 'otherId' to compare with`);
  const other = await findFinished(teamId, otherJobId);
  if (other.inputSha256 !== job.inputSha256)
    throw new AppError("BAD_REQUEST", `batch jobs '${id}' and '${otherJobId}' scored different inputs`);
  const outputs = predictionOutputs(ZSignature.parse(job.modelVersion.signature));
  const names = outputs.map((output) => output.name);
  const comparer = new OutputComparer(outputs);
  const { ARTIFACT_DIR } = readEnv();
  const left = readOutputPredictions(batchStorePath(ARTIFACT_DIR, job.outputKey!), job.outputFormat, names);
  const right = readOutputPredictions(
    batchStorePath(ARTIFACT_DIR, other.outputKey!),
    other.outputFormat,
    names,
  );
  for (;;) {
    const [a, b] = await Promise.all([left.next(), right.next()]);
    if (a.done || b.done) break;
    comparer.add(a.value, b.value);
  }
  const comparison = { sourceJobId: otherJobId, ...comparer.result() };
  if (otherJobId === job.sourceJobId)
    await db.batchJob.update({ where: { id }, data: { comparison: comparison as Prisma.InputJsonValue } });
  return comparison;
}

async function findFinished(teamId: string, id: string) {
  const job = await getDb().batchJob.findFirst({
    where: { id, teamId },
    include: { modelVersion: { select: { signature: true } } },
  });
  if (!job) throw batchJobNotFound(id);
  if (job.status !== "succeeded" || !job.outputKey)
    throw new AppError(
      "CONFLICT",
      `batch job '${id}' is ${job.status}; only succeeded jobs have outputs to compare`,
    );
  return job;
}
