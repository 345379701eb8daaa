import { UnrecoverableError } from "bullmq";
import { batchKeys, batchStorePath, type BatchChunkJob } from "@/server/contracts/batch";
import type { ServingRequest } from "@/server/contracts/serving";
import { AppError } from "@/server/domain/app-error";
import { ZColumnMapping, type BatchOutputFormat } from "@/server/domain/batch/batch-spec";
import type { ChunkBounds } from "@/server/domain/batch/chunk-plan";
import { encodeRow, planInputs, type MappedInput } from "@/server/domain/batch/input-plan";
import {
  predictionColumnNames,
  splitPredictions,
  type RowPredictions,
} from "@/server/domain/batch/prediction-columns";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { ZSignature } from "@/server/domain/signature";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import type { Logger } from "@/server/logger";
import { readChunkRows, type ChunkRow } from "@/server/services/batch-job/batch-input-file";
import { artifactPath } from "@/server/storage/artifact-store";
import { ArtifactUnavailableError } from "@/workers/runtime/artifact-cache";
import type { SessionCache, SessionKey } from "@/workers/runtime/session-cache";
import { AtomicFile } from "@/workers/batch/chunk-files";
import { outputLine } from "@/workers/batch/output-lines";

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
      bounds: {
        index: chunk.index,
        rowStart: chunk.rowStart,
        rowCount: chunk.rowCount,
        byteStart: chunk.byteStart === null ? null : Number(chunk.byteStart),
        byteEnd: chunk.byteEnd === null ? null : Number(chunk.byteEnd),
        firstLine: chunk.firstLine,
      },
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

type Pending = { row: ChunkRow; values: number[][] | null; error: string | null };

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
  let pending: Pending[] = [];
  let scorable = 0;

  // One batch runs on the session thread while the next is parsed here: the model and the
  // parsing overlap instead of taking turns. At most one more waits behind the running one, so the
  // runner never merges two batches into a run larger than the job's batch size.
  let written: Promise<void> = Promise.resolve();
  const writeOutcomes = async (batch: Pending[], outcomes: Outcome[]) => {
    let text = "";
    let errorText = "";
    batch.forEach((entry, k) => {
      const outcome = outcomes[k]!;
      if ("error" in outcome) {
        failed++;
        errorText += `${JSON.stringify({ line: entry.row.line, reason: outcome.error })}\n`;
      }
      text += outputLine(job.outputFormat, columns, entry.row.passThrough, outcome);
    });
    rows += batch.length;
    await output.write(text);
    if (errorText) await errors.write(errorText);
  };
  const flush = async () => {
    const batch = pending;
    pending = [];
    scorable = 0;
    const predicted = predict(batch, options);
    predicted.catch(() => undefined); // awaited below, in order; not unhandled meanwhile
    const previous = written;
    written = previous.then(async () => writeOutcomes(batch, await predicted));
    await previous;
  };

  try {
    for await (const row of readChunkRows(artifactPath(job.inputKey), job.format, bounds, columns)) {
      const encoded = row.ok ? encodeRow(plan, row.cellAt) : { ok: false as const, reason: row.reason };
      pending.push({
        row,
        values: encoded.ok ? encoded.values : null,
        error: encoded.ok ? null : encoded.reason,
      });
      if (encoded.ok) scorable++;
      if (scorable < job.batchRows) continue;
      await flush();
      if (Date.now() - lastCheckMs >= CHECK_INTERVAL_MS) {
        lastCheckMs = Date.now();
        if (!(await options.onProgress(rows, failed))) {
          await written.catch(() => undefined);
          await Promise.all([output.discard(), errors.discard()]);
          return "cancelled";
        }
      }
    }
    if (pending.length > 0) await flush();
    await written;
    await Promise.all([output.commit(), errors.commit()]);
    return { rows, failed };
  } catch (error) {
    await written.catch(() => undefined);
    await Promise.all([output.discard(), errors.discard()]);
    throw error;
  }
}

type Outcome = { predictions: RowPredictions } | { error: string; predictionColumnCount: number };

/**
 * The predictions of the pending rows, in one session run of all the scorable ones; when that
 * run fails, each row runs alone so only the faulty rows get the error.
 */
async function predict(pending: Pending[], options: ScoreChunkOptions): Promise<Outcome[]> {
  const { plan, predictionColumnCount, session } = options;
  const failure = (error: string): Outcome => ({ error, predictionColumnCount });
  const scorable = pending.flatMap((entry, k) => (entry.values ? [k] : []));
  const outcomes: Outcome[] = pending.map((entry) => failure(entry.error ?? ""));
  if (scorable.length === 0) return outcomes;
  const request = (indices: number[], requestId: string): ServingRequest => ({
    requestId,
    inputs: plan.map((input, i) => ({
      name: input.name,
      datatype: input.datatype,
      shape: [indices.length, input.columns.length],
      data: rowMajor(indices, (k) => pending[k]!.values![i]!, input.columns.length),
    })),
  });
  const run = await session.sessions.run(session.key, [request(scorable, "chunk")]);
  const result = run.results[0]!;
  if (result.ok) {
    splitPredictions(result.outputs, scorable.length).forEach(
      (predictions, j) => (outcomes[scorable[j]!] = { predictions }),
    );
    return outcomes;
  }
  const alone = await session.sessions.run(
    session.key,
    scorable.map((k) => request([k], String(k))),
  );
  alone.results.forEach((single, j) => {
    const k = scorable[j]!;
    outcomes[k] = single.ok
      ? { predictions: splitPredictions(single.outputs, 1)[0]! }
      : failure(`the model failed on this row: ${single.error}`);
  });
  return outcomes;
}

/** The rows' values end to end, copied in a loop: flatMap's array per row cost more than the model here. */
function rowMajor(indices: number[], rowAt: (k: number) => number[], width: number): number[] {
  const data = new Array<number>(indices.length * width);
  let at = 0;
  for (const k of indices) {
    const row = rowAt(k);
    for (let c = 0; c < width; c++) data[at++] = row[c]!;
  }
  return data;
}
