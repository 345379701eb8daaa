import type { ChildProcess } from "node:child_process";
import { Queue } from "bullmq";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BATCH_CHUNK_QUEUE_NAME, BATCH_FINALIZE_QUEUE_NAME } from "@/server/contracts/batch";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis } from "@/server/contracts/redis-connections";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { closeBatchFlows } from "@/server/services/batch-job/batch-flow";
import {
  awaitBatchJob,
  csvRecords,
  FAST_BATCH_RECOVERY_ENV,
  readBatchFile,
  syntheticColumns,
  syntheticCsv,
} from "@/test/support/batch-jobs";
import { readDemoFile } from "@/test/support/demo-files";
import { serveArtifacts, startWorkerProcess, stopProcess } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// A batch worker killed with SIGKILL in the middle of a chunk: the chunk is taken again by
// another worker (stalled-job recovery) and the output still has every row once, in order.

const api = callerFor();
const ROWS = 3_000;
const WIDTH = 512;
let artifacts: Awaited<ReturnType<typeof serveArtifacts>>;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  artifacts = await serveArtifacts();
  await api.model.create({ name: "heavy-mlp" });
  await api.modelVersion.upload(
    uploadForm({ modelName: "heavy-mlp", file: await readDemoFile("heavy-mlp.onnx") }),
  );
}, 120_000);

afterAll(async () => {
  for (const worker of workers) await stopProcess(worker, "SIGKILL");
  await artifacts.close();
  await closeBatchFlows();
  const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
  const connection = connectRedis("producer", REDIS_URL);
  for (const name of [BATCH_CHUNK_QUEUE_NAME, BATCH_FINALIZE_QUEUE_NAME]) {
    const queue = new Queue(name, { connection, prefix: bullPrefix(REDIS_KEY_PREFIX) });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  connection.disconnect();
});

it("a SIGKILL mid-chunk still yields every row exactly once, in order, with the direct predictions", async () => {
  const columns = syntheticColumns(WIDTH);
  const csv = syntheticCsv(ROWS, WIDTH);
  const start = (name: string) =>
    startWorkerProcess({
      hostName: name,
      artifactSourceUrl: artifacts.url,
      env: FAST_BATCH_RECOVERY_ENV,
    }).then((worker) => {
      workers.push(worker);
      return worker;
    });
  const first = await start("batch-crash-1");
  const created = await api.batchJob.create(
    uploadForm({
      modelName: "heavy-mlp",
      versionNumber: "1",
      format: "csv",
      mapping: JSON.stringify({ input: columns }),
      chunkRows: "1000",
      batchRows: "64",
      file: new TextEncoder().encode(csv),
    }),
  );
  expect(created.chunkCount).toBe(3);

  // Killed while chunk 1 is running: after its first session runs, before it is done.
  const db = getDb();
  const chunkOne = { batchJobId_index: { batchJobId: created.id, index: 1 } };
  for (
    let polls = 0;
    (await db.batchJobChunk.findUniqueOrThrow({ where: chunkOne })).status !== "running";
    polls++
  ) {
    if (polls > 3_000) throw new Error("chunk 1 never started");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 150));
  await stopProcess(first, "SIGKILL");
  expect((await db.batchJobChunk.findUniqueOrThrow({ where: chunkOne })).status).toBe("running");

  await start("batch-crash-2");
  const job = await awaitBatchJob(created.id);
  expect(job).toMatchObject({ status: "succeeded", doneRows: ROWS, failedRows: 0 });
  const recovered = job.chunks![1]!;
  expect(recovered.attempts).toBeGreaterThanOrEqual(2);
  expect(recovered.hostName).toBe("batch-crash-2");

  const output = csvRecords(await readBatchFile(job.id, "output"));
  expect(output.map((row) => Number(row.id))).toEqual(Array.from({ length: ROWS }, (_, row) => row));
  // The recovered chunk's predictions are what onnxruntime gives on the same rows, run at the
  // same batch size (a GEMM's blocking, and so its last bits, can follow the row count).
  const session = await ort.InferenceSession.create(await readDemoFile("heavy-mlp.onnx"));
  const [name] = session.outputNames;
  const expected: number[] = [];
  const rows = output.slice(1000, 2000);
  for (let start = 0; start < rows.length; start += 64) {
    const slice = rows.slice(start, start + 64);
    const input = new ort.Tensor(
      "float32",
      Float32Array.from(slice.flatMap((row) => columns.map((column) => Number(row[column])))),
      [slice.length, WIDTH],
    );
    expected.push(...((await session.run({ [session.inputNames[0]!]: input }))[name!]!.data as Float32Array));
  }
  await session.release();
  const width = expected.length / rows.length;
  const got = rows.flatMap((row) =>
    Array.from({ length: width }, (_, k) => Number(row[width === 1 ? name! : `${name}_${k}`])),
  );
  expect(got).toEqual(expected);
}, 90_000);
