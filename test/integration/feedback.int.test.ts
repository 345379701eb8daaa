import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accuracy, rocAuc } from "@/server/domain/evaluation/classification-metrics";
import { getDb } from "@/server/db";
import { getRedis } from "@/server/redis";
import { generateFraudExamples } from "@/scripts/demo/fraud-dataset";
import { readDemoFile } from "@/test/support/demo-files";
import { uploadFraudGoldenSet, postFraudRows } from "@/test/support/fraud-monitoring";
import { startServingStack } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// Ground truth end to end: predictions through a real gateway are logged by a real worker's
// monitor; labels sent later to the gateway's feedback route are joined to them by request id,
// and the realized AUC and accuracy read back through tRPC equal the ones computed here from the
// same answers and labels.

const api = callerFor();
let stack: Awaited<ReturnType<typeof startServingStack>>;
const examples = generateFraudExamples(200, 11);
const answers: { id: string; probability: number; label: number; isFraud: number }[] = [];

beforeAll(async () => {
  await api.model.create({ name: "card-fraud" });
  await api.modelVersion.upload(
    uploadForm({ modelName: "card-fraud", file: await readDemoFile("fraud-v1.onnx") }),
  );
  // The golden set names the outputs labels are scored against.
  await uploadFraudGoldenSet(api);
  await api.deployment.create({
    name: "labelled",
    modelName: "card-fraud",
    versionNumber: 1,
    predictionSampleRate: 1,
  });
  stack = await startServingStack({
    hostName: "feedback-host",
    workerEnv: { WORKER_ROLES: "serving,monitor", MONITOR_SAMPLES_INTERVAL_MS: "200" },
  });
  for (const [index, example] of examples.entries()) {
    const id = `txn-${index}`;
    const response = await postFraudRows(stack.gateway.url, "labelled", id, [example.features]);
    const body = (await response.json()) as { outputs: { name: string; data: number[] }[] };
    const output = (name: string) => body.outputs.find((tensor) => tensor.name === name)!.data;
    answers.push({
      id,
      probability: output("probability").at(-1)!,
      label: output("label")[0]!,
      isFraud: Number(example.isFraud),
    });
  }
  // The monitor writes the samples within a fraction of a second of their answers.
  for (let waitedMs = 0; waitedMs < 20_000; waitedMs += 100) {
    const logged = await getDb().predictionSample.count({ where: { deployment: { name: "labelled" } } });
    if (logged === examples.length) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  await stack?.stop();
  await getRedis().quit();
});

async function sendFeedback(body: unknown) {
  const response = await fetch(`${stack.gateway.url}/v2/models/labelled/feedback`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("ground truth", () => {
  it("takes labels by request id, counting unknown ids and wrong types without failing the batch", async () => {
    const labelled = answers.slice(0, 150);
    const { status, body } = await sendFeedback({
      labels: [
        ...labelled.map(({ id, isFraud }) => ({ id, label: isFraud })),
        { id: "never-sent", label: 1 },
        { id: "txn-199", label: 0.5 },
      ],
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      accepted: 150,
      unknown: { count: 1, ids: ["never-sent"] },
      invalid: {
        count: 1,
        examples: [
          { id: "txn-199", reason: "a binary classifier's label must be 0 or 1 (or false or true)" },
        ],
      },
    });
  });

  it("reads back the realized AUC and accuracy these labels give, with the share labelled and an estimate", async () => {
    const { task, versions } = await api.feedback.quality({ name: "labelled", range: "24h" });
    expect(task).toBe("binary-classification");
    const points = versions[0]!.points;
    const total = (key: "samples" | "labelledSamples") => points.reduce((sum, point) => sum + point[key], 0);
    expect(total("samples")).toBe(200);
    expect(total("labelledSamples")).toBe(150);
    // Each hour's figures against the same computed here from the answers logged in that hour.
    const samples = await getDb().predictionSample.findMany({ select: { requestId: true, createdAt: true } });
    const hourOf = new Map(
      samples.map((sample) => [
        sample.requestId,
        Math.floor(sample.createdAt.getTime() / 3_600_000) * 3_600_000,
      ]),
    );
    for (const point of points) {
      const inBucket = answers
        .slice(0, 150)
        .filter((answer) => hourOf.get(answer.id) === point.bucketStartMs);
      expect(point.labelledSamples).toBe(inBucket.length);
      expect(point.realized.roc_auc).toBeCloseTo(
        rocAuc(
          inBucket.map((a) => a.probability),
          inBucket.map((a) => a.isFraud),
        ),
        9,
      );
      expect(point.realized.accuracy).toBeCloseTo(
        accuracy(
          inBucket.map((a) => a.label),
          inBucket.map((a) => a.isFraud),
        ),
        12,
      );
    }
    const point = points.reduce((a, b) => (b.labelledSamples > a.labelledSamples ? b : a));
    expect(point.estimated!.accuracy).toBeGreaterThan(0.5);
    expect(point.estimated!.roc_auc).toBeGreaterThan(0.5);
  });

  it("replaces a label sent again for the same request", async () => {
    const first = answers[0]!;
    await sendFeedback({ labels: [{ id: first.id, label: 1 - first.isFraud }] });
    const stored = await getDb().predictionLabel.findMany({ where: { requestId: first.id } });
    expect(stored.map((label) => label.values)).toEqual([[1 - first.isFraud]]);
  });

  it("refuses a malformed body and an unknown deployment in sentences", async () => {
    expect(await sendFeedback({ labels: [] })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining("at least one label") },
    });
    const response = await fetch(`${stack.gateway.url}/v2/models/nowhere/feedback`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ labels: [{ id: "x", label: 1 }] }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "deployment 'nowhere' does not exist" });
  });
});
