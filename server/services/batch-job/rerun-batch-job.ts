import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZColumnMapping } from "@/server/domain/batch/batch-spec";
import { getDb } from "@/server/db";
import type { BatchJobOutput } from "@/server/services/batch-job/batch-job-output";
import { createBatchJob } from "@/server/services/batch-job/create-batch-job";
import { batchJobNotFound } from "@/server/services/batch-job/get-batch-job";

export const ZRerunBatchJobInput = z.object({
  id: z.string().min(1),
  /** Another version of the same model. */
  versionNumber: z.number().int().positive(),
  /** The source's mapping when absent. */
  mapping: ZColumnMapping.optional(),
});

/** The same input, settings and mapping, scored by another version; `compare` then diffs the outputs. */
export async function rerunBatchJob({
  teamId,
  actor,
  id,
  versionNumber,
  mapping,
}: z.output<typeof ZRerunBatchJobInput> & { teamId: string; actor: string }): Promise<BatchJobOutput> {
  const source = await getDb().batchJob.findFirst({
    where: { id, teamId },
    include: { modelVersion: { select: { model: { select: { name: true } } } } },
  });
  if (!source) throw batchJobNotFound(id);
  if (source.status !== "succeeded")
    throw new AppError(
      "CONFLICT",
      `batch job '${id}' is ${source.status}; only a succeeded job can be re-run for comparison`,
    );
  return createBatchJob({
    teamId,
    actor,
    modelName: source.modelVersion.model.name,
    versionNumber,
    format: source.inputFormat,
    mapping: mapping ?? ZColumnMapping.parse(source.mapping),
    outputFormat: source.outputFormat,
    chunkRows: source.chunkRows,
    batchRows: source.batchRows,
    maxErrorShare: source.maxErrorShare,
    input: { fromJobId: source.id },
    sourceJobId: source.id,
  });
}
