import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PREDICTION_SAMPLE_FIELD, PREDICTION_SAMPLES_STREAM } from "@/server/contracts/prediction-samples";
import { parquetReadObjects } from "hyparquet";
import { getDb } from "@/server/db";
import type { InferenceTarget } from "@/server/gateway/choose-target";
import { PredictionSampler } from "@/server/gateway/prediction-sampler";
import { getRedis } from "@/server/redis";
import { prunePredictionSamples } from "@/server/services/prediction-log/prune-prediction-samples";
import { writePredictionSamples } from "@/server/services/prediction-log/write-prediction-samples";
import { startConsoleServer } from "@/test/support/console-server";
import { readDemoFile } from "@/test/support/demo-files";
import { startServingStack } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// The prediction log end to end: a real gateway samples answered requests into the Redis stream
// at each deployment's rate, and the monitor role of a real worker process writes them to
// Postgres with the caller's request id, inputs, outputs and latency, exactly once.

const api = callerFor();
let stack: Awaited<ReturnType<typeof startServingStack>>;

beforeAll(async () => {
  await api.model.create({ name: "card-fraud" });
  await api.modelVersion.upload(
    uploadForm({ modelName: "card-fraud", file: await readDemoFile("fraud-v1.onnx") }),
  );
  await api.deployment.create({
    name: "logged",
    modelName: "card-fraud",
    versionNumber: 1,
    predictionSampleRate: 1,
  });
  await api.deployment.create({
    name: "unlogged",
    modelName: "card-fraud",
    versionNumber: 1,
    predictionSampleRate: 0,
  });
  stack = await startServingStack({
    hostName: "prediction-log-host",
    workerEnv: { WORKER_ROLES: "serving,monitor", MONITOR_SAMPLES_INTERVAL_MS: "200" },
  });
});

afterAll(async () => {
  await stack?.stop();
  await getRedis().quit();
});

const features = (seed: number) => Array.from({ length: 14 }, (_, column) => Math.sin(seed * 13 + column));

async function infer(name: string, id: string, seed: number): Promise<number[]> {
  const response = await fetch(`${stack.gateway.url}/v2/models/${name}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      id,
      inputs: [{ name: "features", datatype: "FP32", shape: [1, 14], data: features(seed) }],
    }),
  });
  expect(response.status).toBe(200);
  const answer = (await response.json()) as { outputs: { data: number[] }[] };
  return answer.outputs[0]!.data;
}

const samplesOf = (name: string) =>
  getDb().predictionSample.findMany({ where: { deployment: { name } }, orderBy: { requestId: "asc" } });

describe("the prediction log", () => {
  it("logs every request of a deployment sampling at 1 and none of one at 0, with what was answered", async () => {
    const answers = new Map<string, number[]>();
    for (let i = 0; i < 20; i++) {
      const id = `req-${String(i).padStart(2, "0")}`;
      answers.set(id, await infer("logged", id, i));
      await infer("unlogged", `other-${i}`, i);
    }
    await expect.poll(async () => (await samplesOf("logged")).length, { timeout: 20_000 }).toBe(20);
    const samples = await samplesOf("logged");
    expect(samples.map((sample) => sample.requestId)).toEqual([...answers.keys()]);
    for (const sample of samples) {
      const seed = Number(sample.requestId!.slice(4));
      expect(sample.inputs).toMatchObject([{ name: "features", shape: [1, 14] }]);
      const inputs = sample.inputs as { data: number[] }[];
      inputs[0]!.data.forEach((value, column) => expect(value).toBeCloseTo(features(seed)[column]!, 6));
      expect((sample.outputs as { data: number[] }[])[0]!.data).toEqual(answers.get(sample.requestId!));
      expect(sample.latencyUs).toBeGreaterThan(0);
    }
    expect(await samplesOf("unlogged")).toHaveLength(0);
    // Written entries leave the stream: it holds only what waits for the monitor.
    await expect.poll(() => getRedis().xlen(PREDICTION_SAMPLES_STREAM), { timeout: 5_000 }).toBe(0);
  });

  it("acknowledges entries it cannot use, and writes once what a monitor that died had written", async () => {
    const redis = getRedis();
    const deployment = await getDb().deployment.findFirstOrThrow({ where: { name: "logged" } });
    const version = await getDb().modelVersion.findFirstOrThrow({ where: { model: { name: "card-fraud" } } });
    const sample = {
      deploymentId: deployment.id,
      versionId: version.id,
      requestId: "by-hand",
      latencyUs: 1_000,
      answeredAtMs: Date.now(),
      inputs: [],
      outputs: [],
    };
    // The worker's monitor stands still: a consumer that "crashed" holds the entries instead.
    stack.worker.kill("SIGSTOP");
    try {
      const add = (text: string) => redis.xadd(PREDICTION_SAMPLES_STREAM, "*", PREDICTION_SAMPLE_FIELD, text);
      await add("not json");
      await add(JSON.stringify([{ ...sample, deploymentId: "gone" }, { latencyUs: "not a sample" }]));
      const id = await add(JSON.stringify([sample]));
      const held = await redis.xreadgroup(
        "GROUP",
        "monitor",
        "crashed",
        "COUNT",
        10,
        "STREAMS",
        PREDICTION_SAMPLES_STREAM,
        ">",
      );
      expect((held as [string, unknown[]][])[0]![1]).toHaveLength(3);
      // It had written the good one and died before acknowledging.
      await getDb().predictionSample.create({
        data: {
          id: `ps_${id}_0`,
          teamId: deployment.teamId,
          deploymentId: deployment.id,
          modelVersionId: version.id,
          requestId: "by-hand",
          inputs: [],
          outputs: [],
          latencyUs: 1_000,
        },
      });
      expect(await writePredictionSamples({ redis, consumer: "test", claimIdleMs: 0 })).toEqual({
        written: 0,
        skipped: 3,
      });
      expect(await getDb().predictionSample.count({ where: { requestId: "by-hand" } })).toBe(1);
      expect(await redis.xlen(PREDICTION_SAMPLES_STREAM)).toBe(0);
    } finally {
      stack.worker.kill("SIGCONT");
    }
  });

  it("exports the log as JSONL, CSV and Parquet (no label yet: null), and 404s another name", async () => {
    const consoleServer = await startConsoleServer();
    try {
      const url = (query: string, name = "logged") =>
        `${consoleServer.url}/api/deployments/${name}/predictions?${query}`;
      const jsonl = await fetch(url("format=jsonl"));
      expect(jsonl.headers.get("content-type")).toBe("application/x-ndjson");
      const rows = (await jsonl.text())
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(rows.length).toBeGreaterThanOrEqual(20);
      expect(rows.find((row) => row.requestId === "req-00")).toMatchObject({ versionNumber: 1, label: null });
      expect(JSON.parse(rows.find((row) => row.requestId === "req-01")!.inputs as string)).toMatchObject([
        { name: "features" },
      ]);

      const csv = (await (await fetch(url("format=csv"))).text()).split("\n");
      expect(csv[0]).toBe("requestId,versionNumber,answeredAt,latencyMs,inputs,outputs,label");
      expect(csv.filter((line) => line.startsWith("req-")).length).toBe(
        rows.filter((row) => String(row.requestId).startsWith("req-")).length,
      );

      const parquet = await (await fetch(url("format=parquet"))).arrayBuffer();
      const records = await parquetReadObjects({ file: parquet });
      expect(records).toHaveLength(rows.length);
      expect(records[0]).toMatchObject({ versionNumber: 1, requestId: rows[0]!.requestId });

      expect((await fetch(url("format=xml"))).status).toBe(400);
      const unknown = await fetch(url("format=csv", "nowhere"));
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ error: "deployment 'nowhere' does not exist" });
    } finally {
      await consoleServer.close();
    }
  });

  it("bounds what a gateway holds between flushes: large requests and a full buffer are not sampled", async () => {
    const sampler = new PredictionSampler(getRedis(), {
      flushIntervalMs: 60_000,
      maxValuesPerSample: 20,
      maxBufferedValues: 30,
    });
    const target = (values: number) =>
      ({
        deployment: { id: "d", predictionSampleRate: 1 },
        version: { versionId: "v" },
        callerId: undefined,
        request: {
          inputs: [{ name: "x", datatype: "FP32", shape: [1, values], data: Array(values).fill(0) }],
        },
      }) as unknown as InferenceTarget;
    sampler.offer(target(25), [], 1_000); // over the per-sample bound
    sampler.offer(target(14), [], 1_000);
    sampler.offer(target(14), [], 1_000); // 28 held: a third would pass 30
    sampler.offer(target(14), [], 1_000);
    expect(sampler.droppedCount).toBe(2);
    await sampler.close();
  });

  it("deletes samples past the retention period", async () => {
    const before = await getDb().predictionSample.count();
    const deleted = await prunePredictionSamples({
      retentionDays: 1,
      nowMs: Date.now() + 2 * 24 * 60 * 60 * 1000,
    });
    expect(deleted).toBe(before);
    expect(await getDb().predictionSample.count()).toBe(0);
  });

  it("refuses a sample rate outside 0 to 1 in a sentence", async () => {
    await expect(
      api.deployment.updateSettings({ name: "logged", settings: { predictionSampleRate: 1.5 } }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "The prediction sample rate must be from 0 to 1 (0.1 logs one request in ten).",
    });
  });
});
