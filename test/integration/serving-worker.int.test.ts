import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Queue, QueueEvents, type JobsOptions } from "bullmq";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { getLogger } from "@/server/logger";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import {
  SERVING_DEADLINE_PASSED_REASON,
  SERVING_JOB_OPTIONS,
  SERVING_JOB_SCHEMA_VERSION,
  servingQueueName,
  type ServingJob,
  type ServingJobResult,
  type ServingRequest,
} from "@/server/contracts/serving";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis } from "@/server/contracts/redis-connections";
import { putArtifact, sha256Hex } from "@/server/storage/artifact-store";
import {
  FIXED_BATCH_WEIGHTS,
  boolInputModel,
  fixedBatchOneModel,
  int64InputModel,
  multiOutputModel,
  stringInputModel,
  twoInputModel,
} from "@/test/fixtures/odd-models";
import { readDemoFile } from "@/test/support/demo-files";
import { replyInbox } from "@/test/support/reply-inbox";
import { serveArtifacts, startWorkerProcess } from "@/test/support/serving-stack";
import { startHostAgent } from "@/workers/host";
import { startServingWorker, type ServingWorker } from "@/workers/serving/serving-worker";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const silent = getLogger().child({}, { level: "silent" });
const PREFIX = process.env.REDIS_KEY_PREFIX!;

const model: Record<string, { bytes: Uint8Array; sha256: string }> = {};
let sourceUrl: string;
let tmpDir: string;
const cleanups: (() => Promise<unknown>)[] = [];

async function store(name: string, bytes: Uint8Array): Promise<void> {
  const { sha256 } = await putArtifact(bytes);
  model[name] = { bytes, sha256 };
}

/**
 * A producer on a key prefix's CPU queue with a reply list, as the gateway has them, and the
 * queue's events (to see a job become active).
 */
function client(keyPrefix: string) {
  const prefix = bullPrefix(keyPrefix);
  const name = servingQueueName("cpu");
  const queue = new Queue(name, { connection: connectRedis("producer", REDIS_URL), prefix });
  const events = new QueueEvents(name, { connection: connectRedis("consumer", REDIS_URL), prefix });
  const inbox = replyInbox(REDIS_URL, keyPrefix);
  cleanups.push(async () => {
    await inbox.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });
  let counter = 0;
  const job = (
    modelName: string,
    requests: ServingRequest[],
    extra: Partial<ServingJob> = {},
  ): ServingJob => ({
    schemaVersion: SERVING_JOB_SCHEMA_VERSION,
    deploymentId: "dep-test",
    versionId: `version-${modelName}`,
    artifactSha256: model[modelName]!.sha256,
    device: "cpu",
    requests,
    enqueuedAtMs: Date.now(),
    replyTo: inbox.replyTo,
    ...extra,
  });
  return {
    queue,
    events,
    inbox,
    job,
    async run(data: ServingJob, options: JobsOptions = {}): Promise<ServingJobResult> {
      const added = await queue.add("serve", data, {
        ...SERVING_JOB_OPTIONS,
        jobId: `job-${++counter}-${Date.now()}`,
        ...options,
      });
      return inbox.result(added.id!);
    },
    async runMany(jobs: ServingJob[]): Promise<ServingJobResult[]> {
      const added = await queue.addBulk(
        jobs.map((data) => ({ name: "serve", data, opts: { ...SERVING_JOB_OPTIONS } })),
      );
      return Promise.all(added.map((one) => inbox.result(one.id!)));
    },
  };
}

async function worker(
  keyPrefix: string,
  options: { memoryBudgetMb?: number; hostName?: string } = {},
): Promise<ServingWorker> {
  const started = await startServingWorker({
    redisUrl: REDIS_URL,
    keyPrefix,
    hostName: options.hostName ?? "test-host",
    devices: ["cpu"],
    cacheDir: await mkdtemp(path.join(tmpDir, "cache-")),
    artifactSourceUrl: sourceUrl,
    memoryBudgetMb: options.memoryBudgetMb ?? 4096,
    log: silent,
  });
  cleanups.push(() => started.close());
  return started;
}

const request = (requestId: string, inputs: WireTensor[], outputNames?: string[]): ServingRequest => ({
  requestId,
  inputs,
  ...(outputNames ? { outputNames } : {}),
});
const fp32 = (name: string, rows: number[][]): WireTensor => ({
  name,
  datatype: "FP32",
  shape: [rows.length, rows[0]!.length],
  data: rows.flat(),
});
const features = (rows: number, seed: number): number[][] =>
  Array.from({ length: rows }, (_, r) =>
    Array.from({ length: 14 }, (_, c) => Math.sin(seed * 31 + r * 7 + c) * 2),
  );

function okOutputs(
  result: ServingJobResult,
  index = 0,
): Record<string, { shape: number[]; data: unknown[] }> {
  const one = result.results[index]!;
  if (!one.ok) throw new Error(`request ${one.requestId} failed: ${one.error}`);
  return Object.fromEntries(
    one.outputs.map((output) => [
      output.name,
      { shape: output.shape, data: Array.from(output.data as ArrayLike<unknown>) },
    ]),
  );
}

async function directRun(
  bytes: Uint8Array,
  rows: number[][],
  inputName = "features",
): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({
    [inputName]: new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]),
  });
  await session.release();
  return Object.fromEntries(
    Object.entries(out).map(([name, tensor]) => [
      name,
      Array.from(tensor.data as ArrayLike<number | bigint>, Number),
    ]),
  );
}

function expectClose(actual: unknown[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value as number).toBeCloseTo(expected[i]!, 6));
}

beforeAll(async () => {
  tmpDir = await mkdtemp(path.join(os.tmpdir(), "mlops-serving-"));
  for (const file of ["fraud-v1", "fraud-v2", "fraud-v3", "heavy-mlp"])
    await store(file, await readDemoFile(`${file}.onnx`));
  await store("fixed-batch", fixedBatchOneModel());
  await store("two-inputs", twoInputModel());
  await store("int64", int64InputModel());
  await store("bool", boolInputModel());
  await store("string", stringInputModel());
  await store("multi-output", multiOutputModel());
  await store("garbage", new TextEncoder().encode("this is not an ONNX model"));
  // Bytes stored under a sha256 that is not theirs: the route serves them, the worker must refuse them.
  const foreignSha = createHash("sha256").update("not these bytes").digest("hex");
  await putArtifact(model["fraud-v1"]!.bytes, foreignSha);
  model["tampered"] = { bytes: model["fraud-v1"]!.bytes, sha256: foreignSha };
  model["missing"] = { bytes: new Uint8Array(), sha256: sha256Hex(Uint8Array.of(1, 2, 3)) };
  const artifactServer = await serveArtifacts();
  sourceUrl = artifactServer.url;
  cleanups.push(artifactServer.close);
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await rm(tmpDir, { recursive: true, force: true });
});

describe("serving worker (in process)", () => {
  const prefix = PREFIX;
  let serving: ServingWorker;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    serving = await worker(prefix);
    api = client(prefix);
  });

  it("scores a 3-row fraud-v1 request exactly as a direct onnxruntime run does", async () => {
    const rows = features(3, 1);
    const result = await api.run(api.job("fraud-v1", [request("r1", [fp32("features", rows)])]));
    const direct = await directRun(model["fraud-v1"]!.bytes, rows);
    const outputs = okOutputs(result);
    expect(outputs.probability!.shape).toEqual([3, 1]);
    expectClose(outputs.probability!.data, direct.probability!);
    expect(outputs.label).toEqual({ shape: [3], data: direct.label });
    expect(result).toMatchObject({ hostName: "test-host", executionProvider: "cpu", batchRows: 3 });
    expect(result.computeUs).toBeGreaterThan(0);
    expect(result.queueWaitUs).toBeGreaterThanOrEqual(0);
  });

  it("serves a model with a fixed batch of 1, one request per session run", async () => {
    const x = [
      [1, 2, 3, 4],
      [-1, 0, 0.5, 2],
    ];
    const result = await api.run(
      api.job(
        "fixed-batch",
        x.map((row, i) => request(`r${i}`, [fp32("x", [row])])),
      ),
    );
    const expected = (row: number[]) =>
      [0, 1].map((j) => row.reduce((sum, value, i) => sum + value * FIXED_BATCH_WEIGHTS[i * 2 + j]!, 0));
    expect(okOutputs(result, 0).y).toEqual({ shape: [1, 2], data: expected(x[0]!) });
    expect(okOutputs(result, 1).y).toEqual({ shape: [1, 2], data: expected(x[1]!) });
    expect(result.batchRows).toBe(1);
  });

  it("serves two inputs, merging the job's requests", async () => {
    const result = await api.run(
      api.job("two-inputs", [
        request("r0", [fp32("a", [[1, 2, 3]]), fp32("b", [[7, 8]])]),
        request("r1", [
          fp32("b", [
            [9, 10],
            [11, 12],
          ]),
          fp32("a", [
            [4, 5, 6],
            [0, 0, 1],
          ]),
        ]),
      ]),
    );
    expect(okOutputs(result, 0).joined).toEqual({ shape: [1, 5], data: [1, 2, 3, 7, 8] });
    expect(okOutputs(result, 1).joined).toEqual({ shape: [2, 5], data: [4, 5, 6, 9, 10, 0, 0, 1, 11, 12] });
    expect(result.batchRows).toBe(3);
  });

  it("serves int64, bool and string inputs", async () => {
    const [int64, bool, string] = await Promise.all([
      api.run(
        api.job("int64", [
          request("r", [{ name: "counts", datatype: "INT64", shape: [2, 3], data: [1, 2, 3, 10, -20, 30] }]),
        ]),
      ),
      api.run(
        api.job("bool", [
          request("r", [
            { name: "flags", datatype: "BOOL", shape: [2, 2], data: [true, false, false, false] },
          ]),
        ]),
      ),
      api.run(
        api.job("string", [
          request("r", [
            { name: "word", datatype: "BYTES", shape: [4], data: ["dog", "fish", "cat", "bird"] },
          ]),
        ]),
      ),
    ]);
    expect(okOutputs(int64).total).toEqual({ shape: [2], data: [6, 20] });
    expect(okOutputs(bool).inverted).toEqual({ shape: [2, 2], data: [false, true, true, true] });
    expect(okOutputs(string).word_id).toEqual({ shape: [4], data: [1, -1, 0, 2] });
  });

  it("serves several outputs and gives each request the outputs it asked for", async () => {
    const result = await api.run(
      api.job("multi-output", [
        request("all", [fp32("x", [[1, 5, 2]])]),
        request("argmax-only", [fp32("x", [[-1, -3, 0]])], ["argmax"]),
        request(
          "reversed",
          [
            fp32("x", [
              [0, 0, 9],
              [4, 1, 1],
            ]),
          ],
          ["argmax", "total"],
        ),
      ]),
    );
    expect(
      result.results.map((one) =>
        one.ok
          ? one.outputs.map((output) => `${output.name}=${output.datatype}:${output.data.join(",")}`)
          : one.error,
      ),
    ).toEqual([
      ["total=FP32:8", "argmax=INT64:1"],
      ["argmax=INT64:2"],
      ["argmax=INT64:2,0", "total=FP32:9,6"],
    ]);
    expect(result.batchRows).toBe(4);
  });

  it("answers a request with bad data with onnxruntime's message, and the others in its job normally", async () => {
    const result = await api.run(
      api.job("two-inputs", [
        request("good", [fp32("a", [[1, 2, 3]]), fp32("b", [[7, 8]])]),
        request("too-wide", [fp32("a", [[1, 2, 3, 4]]), fp32("b", [[7, 8]])]),
        request("wrong-type", [
          { name: "a", datatype: "INT32", shape: [1, 3], data: [1, 2, 3] },
          fp32("b", [[7, 8]]),
        ]),
        request("short-data", [
          { name: "a", datatype: "FP32", shape: [1, 3], data: [1, 2] },
          fp32("b", [[7, 8]]),
        ]),
      ]),
    );
    expect(okOutputs(result, 0).joined!.data).toEqual([1, 2, 3, 7, 8]);
    expect(result.results.slice(1)).toEqual([
      {
        requestId: "too-wide",
        ok: false,
        error: expect.stringMatching(/^Got invalid dimensions for input: a for the following indices$/),
      },
      {
        requestId: "wrong-type",
        ok: false,
        error: expect.stringMatching(
          /^Unexpected input data type\. Actual: \(tensor\(int32\)\) , expected: \(tensor\(float\)\)$/,
        ),
      },
      { requestId: "short-data", ok: false, error: "input 'a': shape [1, 3] needs 3 values, got 2" },
    ]);
  });

  it("merges jobs that arrive together into larger session runs", async () => {
    const rowsPerJob = 2;
    const inputs = Array.from({ length: 50 }, (_, j) => features(rowsPerJob, 100 + j));
    const results = await api.runMany(
      inputs.map((rows, j) => api.job("fraud-v2", [request(`j${j}`, [fp32("features", rows)])])),
    );
    const direct = await directRun(model["fraud-v2"]!.bytes, inputs.flat());
    results.forEach((result, j) =>
      expectClose(
        okOutputs(result).probability!.data,
        direct.probability!.slice(j * rowsPerJob, (j + 1) * rowsPerJob),
      ),
    );
    const batchRows = results.map((result) => result.batchRows);
    console.log(
      `50 jobs of ${rowsPerJob} rows added at once: session runs of ${[...new Set(batchRows)].sort((a, b) => a - b).join(", ")} rows`,
    );
    expect(Math.max(...batchRows)).toBeGreaterThan(rowsPerJob);
  });

  it("drops a job picked up past its deadline without loading its model, and does not retry it", async () => {
    // An unloadable model: had the worker tried to load it, the reason would be onnxruntime's.
    const stale = api.job("garbage", [request("late", [fp32("features", features(1, 3))])], {
      deadlineAtMs: Date.now() - 1,
    });
    const added = await api.queue.add("serve", stale, SERVING_JOB_OPTIONS);
    await expect(api.inbox.result(added.id!)).rejects.toThrow(
      new RegExp(`^${SERVING_DEADLINE_PASSED_REASON}$`),
    );
    // The reply goes out before BullMQ records the failure.
    await expect.poll(async () => (await api.queue.getJob(added.id!))?.attemptsMade).toBe(1);
    // A deadline still ahead (and none at all, as an older gateway's jobs: the tests above) runs.
    const fresh = api.job("fraud-v1", [request("on-time", [fp32("features", features(1, 3))])], {
      deadlineAtMs: Date.now() + 30_000,
    });
    expect((await api.run(fresh)).results).toMatchObject([{ requestId: "on-time", ok: true }]);
  });

  it("refuses a CUDA job that came on the CPU queue instead of running it on CPU", async () => {
    await expect(
      api.run(api.job("fraud-v3", [request("r", [fp32("features", features(2, 7))])], { device: "cuda" })),
    ).rejects.toThrow(/^job asks for device cuda but came on the serving-cpu queue; not run here$/);
  });

  it("fails the job with a clear message when the served bytes do not match the sha256, and keeps nothing", async () => {
    const sha = model["tampered"]!.sha256;
    await expect(
      api.run(api.job("tampered", [request("r", [fp32("features", features(1, 1))])])),
    ).rejects.toThrow(
      new RegExp(
        `^cannot load model version version-tampered \\(artifact ${sha}\\): artifact ${sha} from http://127\\.0\\.0\\.1:\\d+/api/artifacts/${sha} does not match its sha256: the ${model["tampered"]!.bytes.byteLength} bytes received hash to ${model["fraud-v1"]!.sha256}; discarded$`,
      ),
    );
    const cacheDirs = (await readdir(tmpDir)).filter((entry) => entry.startsWith("cache-"));
    for (const dir of cacheDirs)
      expect((await readdir(path.join(tmpDir, dir))).filter((file) => file.startsWith(sha))).toEqual([]);
  });

  it("fails the job naming the artifact the web app does not have", async () => {
    await expect(
      api.run(api.job("missing", [request("r", [fp32("features", features(1, 1))])])),
    ).rejects.toThrow(/is not available from .*: HTTP 404 .*no artifact with sha256/);
  });

  it("fails the job with onnxruntime's reason when the model cannot be loaded", async () => {
    await expect(
      api.run(api.job("garbage", [request("r", [fp32("features", features(1, 1))])])),
    ).rejects.toThrow(
      new RegExp(
        `^cannot load model version version-garbage \\(artifact ${model["garbage"]!.sha256}\\): onnxruntime could not load the model: .+`,
      ),
    );
  });

  it("keeps serving correctly when a tiny memory budget evicts sessions (least recently used first)", async () => {
    const lruPrefix = `${PREFIX}lru:`;
    const small = await worker(lruPrefix, { memoryBudgetMb: 100 }); // one ~65 MB session fits, two do not
    const lru = client(lruPrefix);
    const rows = features(2, 3);
    const expected = {
      "fraud-v1": await directRun(model["fraud-v1"]!.bytes, rows),
      "fraud-v2": await directRun(model["fraud-v2"]!.bytes, rows),
    };
    for (const name of ["fraud-v1", "fraud-v2", "fraud-v1", "fraud-v2"] as const) {
      const result = await lru.run(lru.job(name, [request("r", [fp32("features", rows)])]));
      expectClose(okOutputs(result).probability!.data, expected[name].probability!);
    }
    expect(small.sessions.evictions).toBe(3);
    expect(small.sessions.loaded().map((entry) => entry.key)).toEqual([`cpu:${model["fraud-v2"]!.sha256}`]);
    expect(small.sessions.usedMb()).toBeLessThanOrEqual(100);
  });

  it("announces its host with the providers that work and heartbeats it", async () => {
    const agent = await startHostAgent({
      hostName: "agent-test",
      device: "cuda",
      costMicrosPerHour: 1_250_000,
      heartbeatMs: 100,
      log: silent,
    });
    try {
      await agent.announce();
      const first = await getDb().host.findUniqueOrThrow({ where: { name: "agent-test" } });
      expect(first).toMatchObject({
        device: "cpu",
        executionProviders: ["cpu"],
        costMicrosPerHour: 1_250_000,
        gpuMemoryMb: null,
      });
      expect(agent).toMatchObject({
        device: "cpu",
        executionProviders: ["cpu"],
        servesDevices: ["cpu"],
      });
      await new Promise((resolve) => setTimeout(resolve, 350));
      const later = await getDb().host.findUniqueOrThrow({ where: { name: "agent-test" } });
      expect(later.lastHeartbeatAt.getTime()).toBeGreaterThan(first.lastHeartbeatAt.getTime());
    } finally {
      agent.stop();
    }
  });

  afterAll(() => serving.close());
});

describe("a worker process killed mid-job", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });

  async function startWorkerProcessOn(
    hostName: string,
    keyPrefix: string,
    cacheDir: string,
  ): Promise<ChildProcess> {
    const child = await startWorkerProcess({
      hostName,
      artifactSourceUrl: sourceUrl,
      cacheDir,
      env: {
        REDIS_KEY_PREFIX: keyPrefix,
        WORKER_LOCK_DURATION_MS: "1500",
        WORKER_STALLED_INTERVAL_MS: "1000",
      },
    });
    children.push(child);
    return child;
  }

  it("loses nothing: the job goes back to the queue and another worker completes it", async () => {
    const killPrefix = `${PREFIX}kill:`;
    const cacheDir = await mkdtemp(path.join(tmpDir, "cache-kill-"));
    const api = client(killPrefix);
    const first = await startWorkerProcessOn("worker-a", killPrefix, cacheDir);

    const rows = Array.from({ length: 64 }, (_, r) =>
      Array.from({ length: 512 }, (_, c) => ((r * 13 + c) % 17) / 17),
    );
    const job = await api.queue.add(
      "serve",
      api.job("heavy-mlp", [request("heavy", [fp32("input", rows)])]),
      { ...SERVING_JOB_OPTIONS, jobId: "heavy-killed" },
    );
    await new Promise<void>((resolve) => {
      api.events.on("active", ({ jobId }) => jobId === job.id && resolve());
      void job.getState().then((state) => state === "active" && resolve());
    });
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));

    await startWorkerProcessOn("worker-b", killPrefix, cacheDir);
    const result = await api.inbox.result(job.id!);
    expect(result.hostName).toBe("worker-b");
    const logits = okOutputs(result).logits!;
    expect(logits.shape).toEqual([64, 10]);
    expectClose(
      logits.data.slice(0, 20),
      (await directRun(model["heavy-mlp"]!.bytes, rows.slice(0, 2), "input")).logits!,
    );
    expect(await getDb().host.findUnique({ where: { name: "worker-b" } })).toMatchObject({
      device: "cpu",
      executionProviders: ["cpu"],
    });
  });
});
