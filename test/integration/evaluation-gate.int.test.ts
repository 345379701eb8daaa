import { stat } from "node:fs/promises";
import type { ChildProcess } from "node:child_process";
import { Queue } from "bullmq";
import { parquetWriteBuffer } from "hyparquet-writer";
import { parse } from "csv-parse/sync";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { EVALUATION_QUEUE_NAME } from "@/server/contracts/evaluation";
import { connectRedis } from "@/server/contracts/redis-connections";
import { accuracy, logLoss, rocAuc } from "@/server/domain/evaluation/classification-metrics";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { artifactPath, sha256Hex, storageKeyFor } from "@/server/storage/artifact-store";
import { readDemoFile } from "@/test/support/demo-files";
import { expectNoInternals } from "@/test/support/internal-ids";
import { serveArtifacts, startWorkerProcess, stopProcess } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

const api = callerFor();
const MODEL = "card-fraud";
const HOLDOUT = "holdout";
const CLASSIFIER = { kind: "binary-classification", probabilityOutput: "probability", labelOutput: "label" };
/** A whole evaluation of 5,000 rows takes well under a second here; this only bounds a hang. */
const EVALUATION_DEADLINE_MS = 60_000;

let worker: ChildProcess;
let artifacts: Awaited<ReturnType<typeof serveArtifacts>>;
let holdoutCsv: string;
let features: Feature[];
let manifestAuc: Map<number, number>;
/** Each version run by onnxruntime in this process on the whole holdout: what the worker must match. */
const direct = new Map<number, { probabilities: number[]; labels: number[] }>();
let truth: number[];
let encodedRows: number[][];

beforeAll(async () => {
  artifacts = await serveArtifacts();
  worker = await startWorkerProcess({
    hostName: "evaluation-1",
    artifactSourceUrl: artifacts.url,
    env: { WORKER_ROLES: "evaluation" },
  });
  const manifest = JSON.parse(new TextDecoder().decode(await readDemoFile("manifest.json"))) as {
    featureSet: { features: Feature[] };
    models: { name: string; version: number; metrics: { auc?: number } }[];
  };
  features = manifest.featureSet.features;
  manifestAuc = new Map(
    manifest.models.filter((m) => m.name === MODEL).map((m) => [m.version, m.metrics.auc!]),
  );
  holdoutCsv = new TextDecoder().decode(await readDemoFile("fraud-holdout.csv"));

  await api.featureSet.create({ name: MODEL });
  await api.featureSet.createVersion(
    uploadForm({
      featureSetName: MODEL,
      file: await readDemoFile("fraud-sample.csv"),
      featureSource: JSON.stringify({ kind: "explicit", features }),
    }),
  );
  await api.model.create({ name: MODEL });
  const records: Record<string, string>[] = parse(holdoutCsv, { columns: true });
  truth = records.map((record) => Number(record.is_fraud));
  encodedRows = records.map((record) =>
    features.map((feature) => {
      const cell = record[feature.name]!;
      if (feature.dtype === "category") return feature.categories.indexOf(cell);
      if (feature.dtype === "bool") return Number(cell === "true");
      return Number(cell);
    }),
  );
  const input = new ort.Tensor("float32", Float32Array.from(encodedRows.flat()), [
    records.length,
    features.length,
  ]);
  for (const version of [1, 2, 3]) {
    const file = await readDemoFile(`fraud-v${version}.onnx`);
    await api.modelVersion.upload(
      uploadForm({
        modelName: MODEL,
        file,
        metadata: JSON.stringify({ featureSet: { name: MODEL, version: 1 } }),
      }),
    );
    const session = await ort.InferenceSession.create(file);
    const { probability, label } = await session.run({ features: input });
    direct.set(version, {
      probabilities: Array.from(probability!.data as Float32Array),
      labels: Array.from(label!.data as BigInt64Array, Number),
    });
    await session.release();
  }
  await api.deployment.create({
    name: "fraud",
    modelName: MODEL,
    versionNumber: 1,
    environment: "production",
  });
}, 120_000);

afterAll(async () => {
  await stopProcess(worker);
  await artifacts.close();
  const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
  const connection = connectRedis("producer", REDIS_URL);
  const queue = new Queue(EVALUATION_QUEUE_NAME, { connection, prefix: bullPrefix(REDIS_KEY_PREFIX) });
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
});

function uploadGoldenSet(parts: Record<string, string | Uint8Array>) {
  return api.goldenSet.upload(uploadForm({ modelName: MODEL, task: JSON.stringify(CLASSIFIER), ...parts }));
}

const encode = (text: string) => new TextEncoder().encode(text);

function jsonLine(row: number[], label: number, shape = [1, row.length]): string {
  return JSON.stringify({
    inputs: [{ name: "features", datatype: "FP32", shape, data: row }],
    expected: { label },
  });
}

async function evaluate(versionNumber: number, goldenSetName = HOLDOUT) {
  const started = await api.evaluation.start({ modelName: MODEL, versionNumber, goldenSetName });
  expect(started).toMatchObject({ status: "queued", versionNumber, goldenSetName, metrics: {} });
  const deadlineMs = Date.now() + EVALUATION_DEADLINE_MS;
  for (;;) {
    const evaluation = await api.evaluation.get({ modelName: MODEL, number: started.number });
    if (evaluation.status === "succeeded" || evaluation.status === "failed") return evaluation;
    if (Date.now() > deadlineMs) throw new Error(`evaluation ${started.number} still ${evaluation.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("golden sets", () => {
  it("stores a CSV set encoded by the linked feature set, and refuses a bad one naming the line, storing nothing", async () => {
    const stored = await uploadGoldenSet({
      name: HOLDOUT,
      format: "csv",
      labelColumn: "is_fraud",
      file: encode(holdoutCsv),
    });
    expect(stored).toMatchObject({ name: HOLDOUT, format: "csv", labelColumn: "is_fraud", rowCount: 5000 });

    const lines = holdoutCsv.split("\n");
    lines[2] = lines[2]!.replace(/,(grocery|restaurant|fuel|online|travel|electronics),/, ",casino,");
    const bad = encode(lines.join("\n"));
    await expect(
      uploadGoldenSet({ name: "bad", format: "csv", labelColumn: "is_fraud", file: bad }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining(
        "line 3, column 'merchant_category': 'casino' is not one of its categories",
      ),
    });
    expect(await stat(artifactPath(storageKeyFor(sha256Hex(bad)))).catch(() => null)).toBeNull();
    expect((await api.goldenSet.list({ modelName: MODEL })).map((set) => set.name)).toEqual([HOLDOUT]);

    await expect(
      uploadGoldenSet({ name: HOLDOUT, format: "csv", labelColumn: "is_fraud", file: encode(holdoutCsv) }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(
      uploadGoldenSet({ name: "no-label", format: "csv", file: encode(holdoutCsv) }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("labelColumn") });
  });

  it("stores a JSONL set of V2 tensors, and refuses a bad line naming it", async () => {
    const lines = encodedRows.slice(0, 40).map((row, index) => jsonLine(row, truth[index]!));
    const stored = await uploadGoldenSet({
      name: "first-40",
      format: "jsonl",
      file: encode(lines.join("\n")),
    });
    expect(stored).toMatchObject({ format: "jsonl", labelColumn: null, rowCount: 40 });

    const bad = [lines[0]!, jsonLine(encodedRows[1]!.slice(1), 0), lines[2]!].join("\n");
    await expect(
      uploadGoldenSet({ name: "bad-jsonl", format: "jsonl", file: encode(bad) }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("line 2: input 'features': shape [1, 13] does not match"),
    });
    expect(await getDb().goldenSet.count()).toBe(2);
  });
});

describe("evaluations", () => {
  it("run v1, v2 and v3 on a worker, with the metrics the domain computes from onnxruntime's own run", async () => {
    for (const version of [1, 2, 3]) {
      const evaluation = await evaluate(version);
      expect(evaluation).toMatchObject({
        status: "succeeded",
        error: null,
        hostName: "evaluation-1",
        rowCount: 5000,
      });
      const { probabilities, labels } = direct.get(version)!;
      expect(evaluation.metrics.roc_auc).toBeCloseTo(rocAuc(probabilities, truth), 6);
      expect(evaluation.metrics.accuracy).toBeCloseTo(accuracy(labels, truth), 9);
      expect(evaluation.metrics.log_loss).toBeCloseTo(logLoss(probabilities, truth), 6);
      // The manifest measured float64 probabilities; float32 inference moves the AUC in the 4th decimal at most.
      expect(Math.abs(evaluation.metrics.roc_auc! - manifestAuc.get(version)!)).toBeLessThan(1e-3);
    }
    const listed = await api.evaluation.list({ modelName: MODEL });
    expect(listed.map((evaluation) => [evaluation.number, evaluation.versionNumber])).toEqual([
      [3, 3],
      [2, 2],
      [1, 1],
    ]);
    expect(await api.evaluation.list({ modelName: MODEL, versionNumber: 2 })).toHaveLength(1);
    await expectNoInternals(listed, await api.goldenSet.list({ modelName: MODEL }));
    const audit = await getDb().auditEvent.findMany({ where: { action: "evaluation.start" } });
    expect(audit).toHaveLength(3);
  });

  it("runs a JSONL set, and an exact set whose metric is the largest difference", async () => {
    const jsonl = await evaluate(2, "first-40");
    expect(jsonl).toMatchObject({ status: "succeeded", rowCount: 40 });
    const { probabilities } = direct.get(2)!;
    expect(jsonl.metrics.roc_auc).toBeCloseTo(rocAuc(probabilities.slice(0, 40), truth.slice(0, 40)), 6);

    // Expects a probability of 0 everywhere: the largest difference is the largest probability.
    const lines = encodedRows.slice(0, 20).map((row) =>
      JSON.stringify({
        inputs: [{ name: "features", datatype: "FP32", shape: [1, row.length], data: row }],
        expected: { outputs: [{ name: "probability", datatype: "FP32", shape: [1, 1], data: [0] }] },
      }),
    );
    await api.goldenSet.upload(
      uploadForm({
        modelName: MODEL,
        name: "zeros",
        format: "jsonl",
        task: JSON.stringify({ kind: "exact" }),
        file: encode(lines.join("\n")),
      }),
    );
    const exact = await evaluate(2, "zeros");
    expect(exact.status).toBe("succeeded");
    expect(exact.metrics.max_abs_diff).toBeCloseTo(Math.max(...probabilities.slice(0, 20)), 6);

    // An answer the set cannot be scored against fails the evaluation at once, naming the line.
    const wrongShape = lines[0]!.replace('"shape":[1,1],"data":[0]', '"shape":[1,2],"data":[0,0]');
    await api.goldenSet.upload(
      uploadForm({
        modelName: MODEL,
        name: "wrong-shape",
        format: "jsonl",
        task: JSON.stringify({ kind: "exact" }),
        file: encode(wrongShape),
      }),
    );
    expect(await evaluate(2, "wrong-shape")).toMatchObject({
      status: "failed",
      metrics: {},
      error: "line 1: output 'probability' has shape [1, 1], expected [1, 2]",
    });
  });
});

describe("the evaluation gate on promotion", () => {
  const promote = (versionNumber: number, override?: { reason: string }) =>
    api.deployment.changeTraffic({ name: "fraud", change: { kind: "promote", versionNumber, override } });
  const lastPromotionAudit = async () =>
    (await getDb().auditEvent.findFirst({
      where: { action: "deployment.promote" },
      orderBy: { createdAt: "desc" },
    }))!.data as { after: { gate: Record<string, unknown> } };

  it("lets a better version through, refuses the regressed one naming roc_auc, and records an override's reason", async () => {
    expect(
      await api.deployment.setGate({
        name: "fraud",
        gate: { required: true, goldenSetName: HOLDOUT, margin: 0.01 },
      }),
    ).toEqual({ required: true, goldenSetName: HOLDOUT, margin: 0.01 });
    expect((await api.deployment.byName({ name: "fraud" })).gate).toEqual({
      required: true,
      goldenSetName: HOLDOUT,
      margin: 0.01,
    });

    await promote(2);
    expect((await lastPromotionAudit()).after.gate).toMatchObject({
      passed: true,
      failures: [],
      override: null,
    });

    const refusal = await promote(3).then(
      () => Promise.reject(new Error("v3 was promoted past the gate")),
      (error: Error & { code?: string }) => error,
    );
    expect(refusal).toMatchObject({ code: "CONFLICT" });
    expect(refusal.message).toMatch(
      /refuses promoting v3: on golden set 'holdout' it is worse than v2 by more than the margin 0.01/,
    );
    expect(refusal.message).toMatch(/roc_auc 0\.67\d* \(v2: 0\.90\d*\)/);
    const deployment = await api.deployment.byName({ name: "fraud" });
    expect(deployment.activeRevision.target.weights).toEqual([{ versionNumber: 2, weight: 100 }]);

    await promote(3, { reason: "hotfix for a data outage, accepted by the on-call" });
    const gate = (await lastPromotionAudit()).after.gate;
    expect(gate).toMatchObject({
      passed: false,
      goldenSetName: HOLDOUT,
      override: { reason: "hotfix for a data outage, accepted by the on-call" },
      candidate: { versionNumber: 3 },
      production: { versionNumber: 2 },
    });
    expect(gate.failures).toContainEqual(expect.objectContaining({ metric: "roc_auc" }));
    // The audit log as users and CI read it names the objects and keeps the override's reason.
    const [promotion] = (await api.audit.list({ action: "deployment.promote", limit: 1 })).events;
    expect(promotion).toMatchObject({
      target: { type: "deployment", name: "fraud" },
      after: { gate: { override: { reason: "hotfix for a data outage, accepted by the on-call" } } },
    });
    const started = await api.audit.list({ action: "evaluation.start", limit: 1 });
    expect(started.events[0]!.target).toEqual({ type: "evaluation", name: `${MODEL} evaluation 6` });
    const uploaded = await api.audit.list({ action: "goldenSet.upload", limit: 10 });
    expect(uploaded.events.map((event) => event.target.name)).toContain(`${MODEL} golden set ${HOLDOUT}`);
  });

  it("refuses when an evaluation on the gate's set is missing, and lets anything through once not required", async () => {
    await api.deployment.setGate({
      name: "fraud",
      gate: { required: true, goldenSetName: "first-40", margin: 0 },
    });
    await expect(promote(1)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining(
        "v1 has no succeeded evaluation on golden set 'first-40'; the production version v3 has no succeeded evaluation on golden set 'first-40'",
      ),
    });
    await expect(
      api.deployment.setGate({ name: "fraud", gate: { required: true, goldenSetName: null, margin: 0 } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await api.deployment.setGate({
      name: "fraud",
      gate: { required: false, goldenSetName: null, margin: 0 },
    });
    await promote(1);
    expect(await getDb().auditEvent.count({ where: { action: "deployment.setGate" } })).toBe(3);
  });
});

describe("Parquet golden sets", () => {
  it("are read by column name and score as the same rows in CSV do", async () => {
    const records: Record<string, string>[] = parse(holdoutCsv, { columns: true });
    const columnData = [...features.map((feature) => feature.name), "is_fraud"].map((name) => {
      const feature = features.find((candidate) => candidate.name === name);
      const cells = records.map((record) => record[name]!);
      if (feature?.dtype === "category") return { name, data: cells, type: "STRING" as const };
      if (feature?.dtype === "bool")
        return { name, data: cells.map((cell) => cell === "true"), type: "BOOLEAN" as const };
      return { name, data: cells.map(Number), type: "DOUBLE" as const };
    });
    const file = new Uint8Array(parquetWriteBuffer({ columnData }));
    const stored = await uploadGoldenSet({
      name: "holdout-parquet",
      format: "parquet",
      labelColumn: "is_fraud",
      file,
    });
    expect(stored).toMatchObject({ format: "parquet", rowCount: 5000 });

    const fromParquet = await evaluate(1, "holdout-parquet");
    const [fromCsv] = await api.evaluation.list({
      modelName: MODEL,
      versionNumber: 1,
      goldenSetName: HOLDOUT,
    });
    expect(fromParquet.status).toBe("succeeded");
    expect(fromParquet.metrics).toEqual(fromCsv!.metrics);
  });
});
