import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import {
  DEFAULT_BATCH_ROWS,
  DEFAULT_CHUNK_ROWS,
  DEFAULT_MAX_ERROR_SHARE,
  outputFormatFor,
  MAX_CHUNKS,
  ZBatchInputFormat,
  ZBatchOutputFormat,
  ZChunkRows,
  ZColumnMapping,
  ZMaxErrorShare,
} from "@/server/domain/batch/batch-spec";
import { planInputs } from "@/server/domain/batch/input-plan";
import { predictionColumnNames } from "@/server/domain/batch/prediction-columns";
import type { Signature } from "@/server/domain/signature";
import { getDb } from "@/server/db";
import { getLogger } from "@/server/logger";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { checkParquetTypes, inspectInput } from "@/server/services/batch-job/batch-input-file";
import { queueBatchRound } from "@/server/services/batch-job/batch-flow";
import { getBatchJob } from "@/server/services/batch-job/get-batch-job";
import type { BatchJobOutput } from "@/server/services/batch-job/batch-job-output";
import { resolveBatchVersion } from "@/server/services/batch-job/resolve-batch-version";
import { lockArtifact, removeArtifactUnlessReferenced } from "@/server/storage/artifact-references";
import { artifactPath, storageKeyFor, storeStagedArtifact } from "@/server/storage/artifact-store";
import type { StagedFile } from "@/server/storage/upload-staging";

export const ZCreateBatchJobFields = z.object({
  /** A model version by name and number, or a deployment's production version. */
  modelName: z.string().min(1).optional(),
  versionNumber: z.number().int().positive().optional(),
  deploymentName: z.string().min(1).optional(),
  format: ZBatchInputFormat,
  mapping: ZColumnMapping.optional(),
  outputFormat: ZBatchOutputFormat.optional(),
  chunkRows: ZChunkRows.default(DEFAULT_CHUNK_ROWS),
  /** Rows per session run; at most the model's fixed batch dimension. */
  batchRows: z.number().int().min(1).max(65_536).default(DEFAULT_BATCH_ROWS),
  maxErrorShare: ZMaxErrorShare.default(DEFAULT_MAX_ERROR_SHARE),
});
export type CreateBatchJobOptions = z.output<typeof ZCreateBatchJobFields> & {
  teamId: string;
  actor: string;
  /** The uploaded input, or the input of an earlier job of this team. */
  input: { file: StagedFile; fileName: string } | { fromJobId: string };
  sourceJobId?: string;
};

/**
 * Checks the input against the version before storing anything (its header against the
 * mapping, its format, its rows counted and cut into chunks in one streaming pass), then
 * stores it as a content-addressed artifact, records the job and its chunks, and queues the
 * flow after the commit, so a worker never picks up a job that is not there.
 */
export async function createBatchJob(options: CreateBatchJobOptions): Promise<BatchJobOutput> {
  const { teamId, actor, input } = options;
  const version = await resolveBatchVersion(options);
  const db = getDb();
  const source =
    "fromJobId" in input
      ? await db.batchJob.findFirst({
          where: { id: input.fromJobId, teamId },
          select: { inputSha256: true, inputFileName: true, inputSizeBytes: true },
        })
      : null;
  if ("fromJobId" in input && !source)
    throw new AppError("NOT_FOUND", `batch job '${input.fromJobId}' does not exist`);
  const file =
    "file" in input
      ? {
          path: input.file.path,
          sha256: input.file.sha256,
          sizeBytes: input.file.sizeBytes,
          name: input.fileName,
        }
      : {
          path: artifactPath(storageKeyFor(source!.inputSha256)),
          sha256: source!.inputSha256,
          sizeBytes: Number(source!.inputSizeBytes),
          name: source!.inputFileName,
        };

  const inspected = await inspectInput(file.path, options.format, options.chunkRows);
  if (inspected.chunks.length > MAX_CHUNKS)
    throw new AppError(
      "BAD_REQUEST",
      `${inspected.totalRows} rows in chunks of ${options.chunkRows} make ${inspected.chunks.length} chunks, over ${MAX_CHUNKS}: raise chunkRows`,
    );
  // JSONL rows are objects: the mapping's columns are the keys, wherever they appear.
  const columns =
    options.format === "jsonl"
      ? [...new Set([...inspected.columns, ...Object.values(options.mapping ?? {}).flat()])]
      : inspected.columns;
  const plan = planInputs({
    signature: version.signature,
    columns,
    mapping: options.mapping ?? null,
    features: version.features,
  });
  if (inspected.parquetTypes) checkParquetTypes(plan, columns, inspected.parquetTypes);
  const predictionColumns = predictionColumnNames(version.signature);
  const output = outputFormatFor(options.format, options.outputFormat);
  if (!output.ok) throw new AppError("BAD_REQUEST", output.reason);
  // A Parquet file's columns are looked up by name: an appended one may not take an input's.
  const taken = predictionColumns.find((name) => output.format === "parquet" && columns.includes(name));
  if (taken)
    throw new AppError(
      "BAD_REQUEST",
      `the input already has a column '${taken}', which the model's predictions would add; give outputFormat csv or jsonl`,
    );
  const mapping = Object.fromEntries(
    plan.map((mapped) => [mapped.name, mapped.columns.map((c) => columns[c.index]!)]),
  );

  let storedArtifact = false;
  const created = await db
    .$transaction(async (tx) => {
      await lockArtifact(tx, file.sha256);
      if ("file" in input) {
        await storeStagedArtifact(input.file);
        storedArtifact = true;
      }
      const job = await tx.batchJob.create({
        data: {
          teamId,
          modelVersionId: version.id,
          deploymentId: version.deploymentId,
          inputKey: storageKeyFor(file.sha256),
          inputSha256: file.sha256,
          inputFileName: file.name,
          inputSizeBytes: file.sizeBytes,
          inputFormat: options.format,
          columns,
          mapping,
          outputFormat: output.format,
          chunkRows: options.chunkRows,
          batchRows: batchRowsFor(version.signature, options.batchRows),
          maxErrorShare: options.maxErrorShare,
          totalRows: inspected.totalRows,
          chunkCount: inspected.chunks.length,
          sourceJobId: options.sourceJobId ?? null,
          createdBy: actor,
          chunks: { createMany: { data: inspected.chunks } },
        },
        select: { id: true },
      });
      await recordAuditEvent(tx, {
        teamId,
        actor,
        action: options.sourceJobId ? "batchJob.rerun" : "batchJob.create",
        targetType: "batchJob",
        targetId: job.id,
        before: null,
        after: {
          modelName: version.modelName,
          versionNumber: version.number,
          inputFileName: file.name,
          totalRows: inspected.totalRows,
          ...(options.sourceJobId && { sourceJobId: options.sourceJobId }),
        },
      });
      return job;
    })
    .catch(async (error: unknown) => {
      if (storedArtifact) await removeArtifactUnlessReferenced(file.sha256);
      throw error;
    });

  try {
    await queueBatchRound(
      created.id,
      0,
      inspected.chunks.map((chunk) => chunk.index),
    );
  } catch (error) {
    getLogger().warn({ err: error, batchJobId: created.id }, "could not queue a batch job");
    const reason = "Redis did not take the job; create it again";
    await db.batchJob.update({
      where: { id: created.id },
      data: { status: "failed", error: reason, finishedAt: new Date() },
    });
    throw new AppError("UNAVAILABLE", `batch job ${created.id} was not queued: ${reason}`, {
      retryAfterSeconds: 5,
    });
  }
  return getBatchJob({ teamId, id: created.id });
}

/** The rows of one session run: as asked, but never past a fixed batch dimension of the model. */
function batchRowsFor(signature: Signature, asked: number): number {
  const fixed = signature.inputs
    .map((input) => input.shape[0])
    .filter((dimension): dimension is number => typeof dimension === "number" && dimension > 0);
  return Math.min(asked, ...fixed);
}
