import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { closeBatchFlows } from "@/server/services/batch-job/batch-flow";
import {
  awaitBatchJob,
  csvRecords,
  FAST_BATCH_RECOVERY_ENV,
  readBatchFile,
  syntheticCell,
  syntheticColumns,
  syntheticCsv,
} from "@/test/support/batch-jobs";
import { readDemoFile } from "@/test/support/demo-files";
import { ownRedis } from "@/test/support/own-redis";
import { serveArtifacts, startWorkerProcess, stopProcess } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// Issue 10's "Restarting Redis or the console mid-job does the same": every row exactly once, in
// order. This file's Redis is its own (the shared one is never stopped), with an append-only file
// synced on every write, as a Redis that holds queues must run. A restart that loses it anyway
// (its file gone) is the harder case: the batch worker finds the job's round missing from Redis
// and queues it again. The console's part in a running job is serving the model's artifact to a
// worker that has not cached it: while it is away, chunks wait instead of using up their attempts.

const appendOnlyDir = await mkdtemp(path.join(os.tmpdir(), "batch-redis-"));
const redis = await ownRedis({ appendOnlyDir });
process.env.REDIS_URL = redis.url;

const api = callerFor();
const ROWS = 4_000;
const WIDTH = 512;
const CHUNK_ROWS = 500;
const BATCH_ROWS = 64;
const RECOVERY = { ...FAST_BATCH_RECOVERY_ENV, WORKER_BATCH_REQUEUE_INTERVAL_MS: "1000" };
const columns = syntheticColumns(WIDTH);
let artifacts: Awaited<ReturnType<typeof serveArtifacts>>;
const workers: ChildProcess[] = [];
let csv: string;
/** What onnxruntime gives on each row, run in the batches a chunk runs (a GEMM's last bits follow them). */
let expected: number[][];

beforeAll(async () => {
  artifacts = await serveArtifacts();
  await api.model.create({ name: "heavy-mlp" });
  const model = await readDemoFile("heavy-mlp.onnx");
  await api.modelVersion.upload(uploadForm({ modelName: "heavy-mlp", file: model }));
  csv = syntheticCsv(ROWS, WIDTH);
  const session = await ort.InferenceSession.create(model);
  expected = [];
  for (let chunk = 0; chunk < ROWS; chunk += CHUNK_ROWS)
    for (let start = chunk; start < chunk + CHUNK_ROWS; start += BATCH_ROWS) {
      const count = Math.min(BATCH_ROWS, chunk + CHUNK_ROWS - start);
      const data = Float32Array.from({ length: count * WIDTH }, (_, k) =>
        syntheticCell(start + Math.floor(k / WIDTH), k % WIDTH),
      );
      const input = new ort.Tensor("float32", data, [count, WIDTH]);
      const output = Object.values(await session.run({ [session.inputNames[0]!]: input }))[0]!;
      const width = output.data.length / count;
      for (let row = 0; row < count; row++)
        expected.push(Array.from((output.data as Float32Array).subarray(row * width, (row + 1) * width)));
    }
  await session.release();
}, 120_000);

afterAll(async () => {
  for (const worker of workers) await stopProcess(worker, "SIGKILL");
  await artifacts.close();
  await closeBatchFlows();
  await redis.stop();
  await rm(appendOnlyDir, { recursive: true, force: true });
});

async function startWorker(name: string): Promise<ChildProcess> {
  const worker = await startWorkerProcess({
    hostName: name,
    artifactSourceUrl: artifacts.url,
    env: RECOVERY,
  });
  workers.push(worker);
  return worker;
}

async function createJob(): Promise<string> {
  const created = await api.batchJob.create(
    uploadForm({
      modelName: "heavy-mlp",
      versionNumber: "1",
      format: "csv",
      mapping: JSON.stringify({ input: columns }),
      chunkRows: String(CHUNK_ROWS),
      batchRows: String(BATCH_ROWS),
      file: new TextEncoder().encode(csv),
    }),
  );
  expect(created.chunkCount).toBe(ROWS / CHUNK_ROWS);
  return created.id;
}

/** Resolves once chunk `index` of the job is running (its first session runs under way). */
async function chunkRunning(batchJobId: string, index: number): Promise<void> {
  const where = { batchJobId_index: { batchJobId, index } };
  for (
    let polls = 0;
    (await getDb().batchJobChunk.findUniqueOrThrow({ where })).status !== "running";
    polls++
  ) {
    if (polls > 3_000) throw new Error(`chunk ${index} never started`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

async function expectEveryRowOnceInOrder(batchJobId: string): Promise<void> {
  const job = await awaitBatchJob(batchJobId);
  expect(job).toMatchObject({ status: "succeeded", doneRows: ROWS, failedRows: 0 });
  const output = csvRecords(await readBatchFile(batchJobId, "output"));
  expect(output.map((row) => Number(row.id))).toEqual(Array.from({ length: ROWS }, (_, row) => row));
  // The prediction columns follow the id and the input's columns.
  const predicted = output.map((row) =>
    Object.values(row)
      .slice(1 + WIDTH)
      .map(Number),
  );
  expect(predicted).toEqual(expected);
}

describe("batch jobs across restarts", () => {
  it("a Redis killed mid-job and restarted from its append-only file: every row once, in order", async () => {
    await startWorker("batch-restart-1");
    const id = await createJob();
    await chunkRunning(id, 1);
    await redis.stop("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await redis.start();
    await expectEveryRowOnceInOrder(id);
  }, 120_000);

  it("a Redis restarted empty (its file lost) mid-job: the round is queued again, every row once", async () => {
    const id = await createJob();
    await chunkRunning(id, 1);
    await redis.stop("SIGKILL");
    await rm(appendOnlyDir, { recursive: true, force: true });
    await mkdir(appendOnlyDir);
    await redis.start();
    await expectEveryRowOnceInOrder(id);
  }, 120_000);

  it("the console away while a new worker needs the model: its chunks wait, every row once", async () => {
    const id = await createJob();
    await chunkRunning(id, 1);
    for (const worker of workers.splice(0)) await stopProcess(worker, "SIGKILL");
    const port = Number(new URL(artifacts.url).port);
    await artifacts.close();
    await startWorker("batch-restart-2"); // a fresh cache: it must fetch the artifact
    // Longer than the chunk's attempts would last (3, backing off 1 s then 2 s).
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const waiting = await api.batchJob.get({ id });
    expect(waiting.status).toBe("running");
    expect(waiting.chunks!.some((chunk) => chunk.status === "failed")).toBe(false);
    artifacts = await serveArtifacts(port);
    await expectEveryRowOnceInOrder(id);
  }, 120_000);
});
