import { createReadStream } from "node:fs";
import { UnrecoverableError } from "bullmq";
import { batchKeys, batchStorePath, type BatchFinalizeJob } from "@/server/contracts/batch";
import { errorShareExceeded } from "@/server/domain/batch/batch-spec";
import { parquetPredictionColumns } from "@/server/domain/batch/parquet-columns";
import { csvLine, predictionColumnNames } from "@/server/domain/batch/prediction-columns";
import { ZSignature } from "@/server/domain/signature";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { artifactPath } from "@/server/storage/artifact-store";
import { AtomicFile } from "@/workers/batch/chunk-files";
import { writeParquetOutput } from "@/workers/batch/parquet-output";

/**
 * Decides a round's outcome once every chunk of it has finished, and assembles the job's output
 * and errors files from the chunks' files in input order, streaming (a chunk file at a time,
 * a read buffer at a time). Idempotent: a stale round or a finished job is left alone, and
 * assembling again rewrites the same files.
 */
export async function finalizeBatchJob({ batchJobId, round }: BatchFinalizeJob): Promise<void> {
  const db = getDb();
  const job = await db.batchJob.findUnique({
    where: { id: batchJobId },
    include: {
      chunks: { orderBy: { index: "asc" } },
      modelVersion: { select: { signature: true } },
    },
  });
  if (!job) throw new UnrecoverableError(`batch job ${batchJobId} does not exist`);
  if (job.round !== round || (job.status !== "running" && job.status !== "queued")) return;
  const finishedAt = new Date();
  const unfinished = job.chunks.filter((chunk) => chunk.status !== "succeeded");
  if (unfinished.length > 0) {
    const first = unfinished[0]!;
    const error =
      `${unfinished.length} of ${job.chunks.length} chunks failed; chunk ${first.index} ` +
      `(rows from line ${first.firstLine}): ${first.error ?? "it did not run"}. Retry the job to run them again`;
    await db.batchJob.update({ where: { id: batchJobId }, data: { status: "failed", error, finishedAt } });
    return;
  }
  const { ARTIFACT_DIR } = readEnv();
  const store = (key: string) => batchStorePath(ARTIFACT_DIR, key);
  const errorsKey = batchKeys.errors(batchJobId);
  await concatenate(
    store(errorsKey),
    job.chunks.map((chunk) => store(batchKeys.chunkErrors(batchJobId, chunk.index))),
  );
  const processedRows = job.chunks.reduce((sum, chunk) => sum + chunk.processedRows, 0);
  const failedRows = job.chunks.reduce((sum, chunk) => sum + chunk.failedRows, 0);
  if (errorShareExceeded(failedRows, job.totalRows, job.maxErrorShare)) {
    const percent = (share: number) => `${Math.round(share * 10_000) / 100}%`;
    const error =
      `${failedRows} of ${job.totalRows} rows (${percent(failedRows / job.totalRows)}) could not be scored, ` +
      `over the limit of ${percent(job.maxErrorShare)}; the errors file names each row and why`;
    await db.batchJob.update({
      where: { id: batchJobId },
      data: { status: "failed", error, errorsKey, processedRows, failedRows, finishedAt },
    });
    return;
  }
  const outputKey = batchKeys.output(batchJobId, job.outputFormat);
  const signature = ZSignature.parse(job.modelVersion.signature);
  const chunkOutput = (index: number) => store(batchKeys.chunkOutput(batchJobId, index));
  if (job.outputFormat === "parquet")
    await writeParquetOutput({
      inputPath: artifactPath(job.inputKey),
      target: store(outputKey),
      parts: job.chunks.map((chunk) => ({ ...chunk, predictionsPath: chunkOutput(chunk.index) })),
      predictions: parquetPredictionColumns(signature),
    });
  else {
    const header =
      job.outputFormat === "csv"
        ? csvLine([...(job.columns as string[]), ...predictionColumnNames(signature)])
        : null;
    await concatenate(
      store(outputKey),
      job.chunks.map((chunk) => chunkOutput(chunk.index)),
      header,
    );
  }
  await db.batchJob.update({
    where: { id: batchJobId },
    data: { status: "succeeded", outputKey, errorsKey, processedRows, failedRows, finishedAt },
  });
}

async function concatenate(target: string, parts: string[], header: string | null = null): Promise<void> {
  const file = await AtomicFile.open(target);
  try {
    if (header) await file.write(header);
    // Reads of 1 MB rather than 64 kB: a million-row output is a hundred MB to copy.
    for (const part of parts)
      for await (const bytes of createReadStream(part, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
        await file.write(bytes);
    await file.commit();
  } catch (error) {
    await file.discard();
    throw error;
  }
}
