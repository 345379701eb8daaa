import { UnrecoverableError } from "bullmq";
import { batchKeys, batchStorePath, type BatchChunkJob } from "@/server/contracts/batch";
import { AppError } from "@/server/domain/app-error";
import { ZColumnMapping, type BatchOutputFormat } from "@/server/domain/batch/batch-spec";
import type { ChunkBatch } from "@/server/domain/batch/chunk-batch";
import { storedChunkBounds, type ChunkBounds } from "@/server/domain/batch/chunk-plan";
import { planInputs, type MappedInput } from "@/server/domain/batch/input-plan";
import { predictionColumnNames, RunPredictions } from "@/server/domain/batch/prediction-columns";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { ZSignature } from "@/server/domain/signature";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import type { Logger } from "@/server/logger";
import { readChunkBatches } from "@/server/services/batch-job/batch-input-file";
import { artifactPath } from "@/server/storage/artifact-store";
import { ArtifactUnavailableError } from "@/workers/runtime/artifact-cache";
import type { SessionCache, SessionKey } from "@/workers/runtime/session-cache";
import type { RunRequest } from "@/workers/runtime/session-runner";
import { AtomicFile } from "@/workers/batch/chunk-files";
import { batchOutput, type BatchPredictions } from "@/workers/batch/output-lines";

export interface BatchRuntime {
  sessions: SessionCache;
  hostName: string;
  log: Logger;
}

/** How often a running chunk reports its rows and looks for a cancel: often enough for a live bar. */
const CHECK_INTERVAL_MS = 1_000;

/**
 * Scores one chunk into its own output and errors files (written whole, then renamed: a retry
 * after a crash rewrites the same bytes), then marks it succeeded. Idempotent: a succeeded chunk
 * is left alone, a cancelled job's chunk is skipped. A problem trying again cannot fix fails the
 * chunk at once, naming it; others are thrown for BullMQ to retry, failing it on the last attempt.
 */
export async function runChunk(
  { batchJobId, chunkIndex }: BatchChunkJob,
  runtime: BatchRuntime,
  { lastAttempt, mayWaitForArtifact }: { lastAttempt: boolean; mayWaitForArtifact: boolean },
): Promise<void> {
  const db = getDb();
  const where = { batchJobId_index: { batchJobId, index: chunkIndex } };
  const chunk = await db.batchJobChunk.findUnique({
    where,
    include: {
      batchJob: {
        include: {
          modelVersion: {
            select: {
              artifactSha256: true,
              signature: true,
              featureSetVersion: { select: { features: true } },
            },
          },
        },
      },
    },
  });
  if (!chunk) throw new UnrecoverableError(`batch job ${batchJobId} has no chunk ${chunkIndex}`);
  const job = chunk.batchJob;
  if (job.status === "cancelled") {
    await db.batchJobChunk.updateMany({
      where: { id: chunk.id, status: { in: ["queued", "running"] } },
      data: { status: "cancelled" },
    });
    return;
  }
  if (chunk.status === "succeeded") return;
  const now = new Date();
  await db.batchJobChunk.update({
    where,
    data: {
      status: "running",
      attempts: { increment: 1 },
      hostName: runtime.hostName,
      startedAt: now,
      processedRows: 0,
      failedRows: 0,
      error: null,
    },
  });
  // Once per job (a query per chunk costs a tenth of a small model's chunk).
  if (job.status === "queued")
    await db.batchJob.updateMany({
      where: { id: batchJobId, status: "queued" },
      data: { status: "running", startedAt: now },
    });

  try {
    const signature = ZSignature.parse(job.modelVersion.signature);
    const features = job.modelVersion.featureSetVersion
      ? ZFeatureList.parse(job.modelVersion.featureSetVersion.features)
      : null;
    const columns = job.columns as string[];
    const key = { artifactSha256: job.modelVersion.artifactSha256, device: "cpu" as const };
    // A model that onnxruntime cannot load fails the chunk at once, saying why; a fetch that may
    // work next time (ArtifactUnavailableError, retryable) is retried.
    await runtime.sessions.get(key).catch((error: Error) => {
      if (error instanceof ArtifactUnavailableError) throw error;
      throw new AppError("UNPROCESSABLE", `the model version cannot be loaded: ${error.message}`);
    });
    const plan = planInputs({ signature, columns, mapping: ZColumnMapping.parse(job.mapping), features });
    const scored = await scoreChunk({
      job: {
        id: batchJobId,
        inputKey: job.inputKey,
        format: job.inputFormat,
        outputFormat: job.outputFormat,
        batchRows: job.batchRows,
      },
      bounds: storedChunkBounds(chunk),
      columns,
      plan,
      predictionColumnCount: predictionColumnNames(signature).length,
      session: { key, sessions: runtime.sessions },
      onProgress: async (rows, failed) => {
        await db.batchJobChunk.update({ where, data: { processedRows: rows, failedRows: failed } });
        const current = await db.batchJob.findUnique({ where: { id: batchJobId }, select: { status: true } });
        return current?.status !== "cancelled";
      },
    });
    if (scored === "cancelled") {
      await db.batchJobChunk.update({ where, data: { status: "cancelled", finishedAt: new Date() } });
      return;
    }
    await db.batchJobChunk.update({
      where,
      data: {
        status: "succeeded",
        processedRows: scored.rows,
        failedRows: scored.failed,
        finishedAt: new Date(),
      },
    });
  } catch (error) {
    const permanent =
      error instanceof AppError || (error instanceof ArtifactUnavailableError && !error.retryable);
    const message = permanent
      ? (error as Error).message
      : `internal error on ${runtime.hostName}; its log has the details`;
    // The model's artifact not fetchable now (the console restarting): the caller puts the
    // chunk back without using up an attempt.
    const waiting = mayWaitForArtifact && error instanceof ArtifactUnavailableError && error.retryable;
    if (waiting) runtime.log.warn({ err: error, batchJobId, chunkIndex }, "batch chunk waits for its model");
    else if (!permanent) runtime.log.error({ err: error, batchJobId, chunkIndex }, "batch chunk failed");
    if (!permanent && (!lastAttempt || waiting)) {
      await db.batchJobChunk.update({ where, data: { status: "queued", error: message } });
      throw error;
    }
    await db.batchJobChunk.update({
      where,
      data: { status: "failed", error: message, finishedAt: new Date() },
    });
    throw permanent ? new UnrecoverableError(message) : error;
  }
}

interface ScoreChunkOptions {
  job: {
    id: string;
    inputKey: string;
    format: "csv" | "jsonl" | "parquet";
    outputFormat: BatchOutputFormat;
    batchRows: number;
  };
  bounds: ChunkBounds;
  columns: string[];
  plan: MappedInput[];
  predictionColumnCount: number;
  session: { key: SessionKey; sessions: SessionCache };
  /** Reports the rows so far; false stops the chunk (the job was cancelled). */
  onProgress: (rows: number, failed: number) => Promise<boolean>;
}

async function scoreChunk(
  options: ScoreChunkOptions,
): Promise<{ rows: number; failed: number } | "cancelled"> {
  const { job, bounds, columns, plan } = options;
  const { ARTIFACT_DIR } = readEnv();
  const output = await AtomicFile.open(
    batchStorePath(ARTIFACT_DIR, batchKeys.chunkOutput(job.id, bounds.index)),
  );
  const errors = await AtomicFile.open(
    batchStorePath(ARTIFACT_DIR, batchKeys.chunkErrors(job.id, bounds.index)),
  );
  let rows = 0;
  let failed = 0;
  let lastCheckMs = Date.now();

  // One batch runs on the session thread while the next is parsed here: the model and the
  // parsing overlap instead of taking turns. At most one more waits behind the running one, so the
  // runner never merges two batches into a run larger than the job's batch size.
  let written: Promise<void> = Promise.resolve();
  const writeBatch = async (batch: ChunkBatch, predictions: BatchPredictions) => {
    const lines = batchOutput(job.outputFormat, columns, options.predictionColumnCount, batch, predictions);
    failed += lines.failed;
    rows += batch.length;
    batch.release();
    await output.write(lines.output);
    if (lines.errors) await errors.write(lines.errors);
  };
  const flush = async (batch: ChunkBatch) => {
    const predicted = predict(batch, options);
    predicted.catch(() => undefined); // awaited below, in order; not unhandled meanwhile
    const previous = written;
    written = previous.then(async () => writeBatch(batch, await predicted));
    await previous;
  };

  try {
    const inputPath = artifactPath(job.inputKey);
    for await (const batch of readChunkBatches(inputPath, job.format, bounds, columns, plan, job.batchRows)) {
      await flush(batch);
      if (Date.now() - lastCheckMs >= CHECK_INTERVAL_MS) {
        lastCheckMs = Date.now();
        if (!(await options.onProgress(rows, failed))) {
          await written.catch(() => undefined);
          await Promise.all([output.discard(), errors.discard()]);
          return "cancelled";
        }
      }
    }
    await written;
    await Promise.all([output.commit(), errors.commit()]);
    return { rows, failed };
  } catch (error) {
    await written.catch(() => undefined);
    await Promise.all([output.discard(), errors.discard()]);
    throw error;
  }
}

/**
 * The predictions of the batch's scorable rows, in one session run of all of them; when that
 * run fails, each row runs alone so only the faulty rows get the error.
 */
async function predict(batch: ChunkBatch, options: ScoreChunkOptions): Promise<BatchPredictions> {
  const { plan, session } = options;
  if (batch.scorable === 0) return { alone: [] };
  const request = (slot: number, rows: number, requestId: string): RunRequest => ({
    requestId,
    inputs: plan.map((input, i) => ({
      name: input.name,
      datatype: input.datatype,
      shape: [rows, input.columns.length],
      data: batch.dataOf(i, slot, rows),
    })),
  });
  const run = await session.sessions.run(session.key, [request(0, batch.scorable, "chunk")]);
  const result = run.results[0]!;
  if (result.ok) return { whole: new RunPredictions(result.outputs, batch.scorable) };
  const slots = Array.from({ length: batch.scorable }, (_, slot) => slot);
  const alone = await session.sessions.run(
    session.key,
    slots.map((slot) => request(slot, 1, String(slot))),
  );
  return {
    alone: alone.results.map((single) =>
      single.ok ? new RunPredictions(single.outputs, 1) : `the model failed on this row: ${single.error}`,
    ),
  };
}
