import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { getRedis } from "@/server/redis";
import { computeDriftReport } from "@/server/services/drift/compute-drift-report";
import { generateFraudExamples, type FraudFeatures } from "@/scripts/demo/fraud-dataset";
import {
  createWatchedFraudDeployment,
  shiftedFraudFeatures,
  postFraudRows,
} from "@/test/support/fraud-monitoring";
import { readDemoFile } from "@/test/support/demo-files";
import { startServingStack } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// Drift end to end: requests through a real gateway are logged, the monitor role of a real worker
// writes them to Postgres and judges its open window on its own; a window of unshifted traffic is
// judged ok against the linked feature set's baseline, one with shifted features drifts, by the
// tests the reference size chooses (800 rows: KS and chi-square). Outputs are judged against the
// version's own early traffic on the deployment: calm traffic leaves the fraud probability where
// it was, shifted features move it. A version with no feature set gets reports of outputs alone.

const api = callerFor();
let stack: Awaited<ReturnType<typeof startServingStack>>;
let deploymentId: string;
let plainDeploymentId: string;

beforeAll(async () => {
  deploymentId = await createWatchedFraudDeployment(api, "watched");
  // card-fraud v2, linked to no feature set.
  await api.modelVersion.upload(
    uploadForm({ modelName: "card-fraud", file: await readDemoFile("fraud-v2.onnx") }),
  );
  await api.deployment.create({
    name: "plain",
    modelName: "card-fraud",
    versionNumber: 2,
    predictionSampleRate: 1,
  });
  plainDeploymentId = (await getDb().deployment.findFirstOrThrow({ where: { name: "plain" } })).id;
  stack = await startServingStack({
    hostName: "drift-host",
    workerEnv: {
      WORKER_ROLES: "serving,monitor",
      MONITOR_SAMPLES_INTERVAL_MS: "200",
      MONITOR_DRIFT_INTERVAL_MS: "1000",
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await getRedis().quit();
});

/** 16 requests of 50 rows each, through the gateway; returns when the last was logged. */
async function sendTraffic(
  seed: number,
  transform: (features: FraudFeatures) => FraudFeatures,
  deploymentName = "watched",
) {
  const examples = generateFraudExamples(800, seed).map((example) => transform(example.features));
  for (let start = 0; start < examples.length; start += 50) {
    const response = await postFraudRows(
      stack.gateway.url,
      deploymentName,
      `seed-${seed}-${start}`,
      examples.slice(start, start + 50),
    );
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
  await expect
    .poll(() => getDb().predictionSample.count({ where: { requestId: `seed-${seed}-750` } }), {
      timeout: 20_000,
    })
    .toBe(1);
}

const unchanged = (features: FraudFeatures) => features;

describe("drift reports", () => {
  let calmFromMs: number;
  let calmAgainFromMs: number;
  let shiftFromMs: number;

  it("judges a window of traffic like the baseline ok, feature by feature", async () => {
    calmFromMs = Date.now();
    await sendTraffic(2, unchanged);
    calmAgainFromMs = Date.now() + 1;
    const [report] = await computeDriftReport({
      deploymentId,
      windowStartMs: calmFromMs,
      windowEndMs: calmAgainFromMs,
    });
    expect(report).toEqual({ versionNumber: 1, sampleCount: 16, status: "ok" });
    const { reports } = await api.drift.reports({ name: "watched" });
    const calm = reports.find((row) => row.windowStart.getTime() === calmFromMs)!;
    expect(calm).toMatchObject({
      rows: 800,
      unreadableSamples: 0,
      featureSet: { name: "card-features", version: 1 },
    });
    expect(calm.dataset).toMatchObject({ status: "ok", driftedCount: 0, judgedCount: 14 });
    const amount = calm.features.find((feature) => feature.name === "amount")!;
    expect(amount).toMatchObject({ method: "ks", threshold: 0.05, status: "ok", sampleCount: 800 });
    expect(amount.score).toBeGreaterThan(0.05);
    expect(calm.features.find((feature) => feature.name === "country")).toMatchObject({
      method: "chisquare",
    });
    expect(amount.quality).toEqual({ rowCount: 800, missingShare: 0, outOfRangeShare: 0, unseenShare: 0 });
    // The first window with 500 logged rows became the outputs' reference: this one, or the
    // monitor's open window if its tick got there first; calm traffic either way.
    expect(calm.outputReference?.rowCount).toBeGreaterThanOrEqual(500);
    expect(calm.outputs.map((output) => [output.name, output.kind, output.status])).toEqual([
      ["probability", "numeric", "ok"],
      ["label", "categorical", "ok"],
    ]);
  });

  it("judges outputs against the window an editor chose as their reference: calm traffic ok", async () => {
    const chosen = await api.drift.setOutputReference({
      name: "watched",
      versionNumber: 1,
      windowStartMs: calmFromMs,
      windowEndMs: calmAgainFromMs,
    });
    expect(chosen).toEqual({
      versionNumber: 1,
      windowStartMs: calmFromMs,
      windowEndMs: calmAgainFromMs,
      rowCount: 800,
      outputs: ["probability", "label"],
    });
    await sendTraffic(4, unchanged);
    shiftFromMs = Date.now() + 1;
    await computeDriftReport({ deploymentId, windowStartMs: calmAgainFromMs, windowEndMs: shiftFromMs });
    const { reports } = await api.drift.reports({ name: "watched" });
    const calm = reports.find((row) => row.windowStart.getTime() === calmAgainFromMs)!;
    expect(calm.outputReference).toEqual({
      windowStartMs: calmFromMs,
      windowEndMs: calmAgainFromMs,
      rowCount: 800,
    });
    const probability = calm.outputs.find((output) => output.name === "probability")!;
    expect(probability).toMatchObject({ method: "ks", status: "ok", sampleCount: 800 });
    expect(probability.score).toBeGreaterThan(0.05);
    expect(probability.quality).toEqual({
      rowCount: 800,
      missingShare: 0,
      outOfRangeShare: 0,
      unseenShare: 0,
    });
    // Two calm samples of a rare label: the two-sample chi-square sees no difference.
    const label = calm.outputs.find((output) => output.name === "label")!;
    expect(label).toMatchObject({ method: "chisquare", status: "ok", sampleCount: 800 });
    expect(label.psi).toBeLessThan(0.1);
  });

  it("refuses an output reference window that cannot be one, naming why", async () => {
    const input = { name: "watched", versionNumber: 1, windowStartMs: 0, windowEndMs: 60_000 };
    await expect(api.drift.setOutputReference(input)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("holds 0 logged output rows of v1"),
    });
    await expect(
      api.drift.setOutputReference({ ...input, windowStartMs: 60_000, windowEndMs: 0 }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("must end after it starts"),
    });
    await expect(api.drift.setOutputReference({ ...input, versionNumber: 9 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "model 'card-fraud' has no version 9",
    });
    const viewer = callerFor("default", "viewer", { role: "viewer" });
    await expect(
      viewer.drift.setOutputReference({ ...input, windowStartMs: calmFromMs }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    // Only the editor's choice was recorded, with the window it chose.
    const audits = await getDb().auditEvent.findMany({ where: { action: "deployment.setOutputReference" } });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor: "test", targetId: deploymentId });
  });

  it("finds the shifted features drifting and the dataset with them", async () => {
    await sendTraffic(3, shiftedFraudFeatures);
    const [report] = await computeDriftReport({
      deploymentId,
      windowStartMs: shiftFromMs,
      windowEndMs: Date.now() + 1,
    });
    expect(report).toMatchObject({ versionNumber: 1, status: "drift" });
    const { reports } = await api.drift.reports({ name: "watched" });
    const moved = reports.find((row) => row.windowStart.getTime() === shiftFromMs)!;
    const drifting = moved.features
      .filter((feature) => feature.status === "drift")
      .map((feature) => feature.name);
    expect(drifting).toEqual(
      expect.arrayContaining([
        "amount",
        "hour",
        "merchant_category",
        "account_age_days",
        "txn_count_24h",
        "avg_amount_30d",
        "distance_from_home_km",
        "device_trust_score",
      ]),
    );
    expect(moved.dataset.driftedShare).toBeGreaterThanOrEqual(0.5);
    // Riskier-looking traffic moves the model's fraud probability off its reference.
    const probability = moved.outputs.find((output) => output.name === "probability")!;
    expect(probability).toMatchObject({ method: "ks", status: "drift" });
    expect(probability.score).toBeLessThan(0.05);
  });

  it("judges a version with no feature set by its outputs alone", async () => {
    const plainCalmFromMs = Date.now();
    await sendTraffic(5, unchanged, "plain");
    const plainShiftFromMs = Date.now() + 1;
    const [calm] = await computeDriftReport({
      deploymentId: plainDeploymentId,
      windowStartMs: plainCalmFromMs,
      windowEndMs: plainShiftFromMs,
    });
    expect(calm).toEqual({ versionNumber: 2, sampleCount: 16, status: "ok" });
    await sendTraffic(6, shiftedFraudFeatures, "plain");
    const [moved] = await computeDriftReport({
      deploymentId: plainDeploymentId,
      windowStartMs: plainShiftFromMs,
      windowEndMs: Date.now() + 1,
    });
    expect(moved).toMatchObject({ versionNumber: 2, status: "drift" });
    const { reports } = await api.drift.reports({ name: "plain" });
    const report = reports.find((row) => row.windowStart.getTime() === plainShiftFromMs)!;
    expect(report).toMatchObject({ featureSet: null, features: [], rows: 800 });
    expect(report.dataset).toMatchObject({ status: null, judgedCount: 0 });
    expect(report.outputs.find((output) => output.name === "probability")).toMatchObject({ status: "drift" });
  });

  it("has the monitor judge the open window on its own", async () => {
    await expect
      .poll(
        () =>
          getDb().driftReport.count({ where: { deploymentId, windowEnd: { gt: new Date(shiftFromMs) } } }),
        {
          timeout: 20_000,
        },
      )
      .toBeGreaterThan(1);
  });

  it("refuses drift settings that make no sense, in a sentence, and keeps the old ones", async () => {
    await expect(
      api.drift.setSettings({ name: "watched", settings: { windowMinutes: -5 } as never }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("at least 5 minutes") });
    const saved = await api.drift.setSettings({ name: "watched", settings: { windowMinutes: 15 } as never });
    expect(saved).toMatchObject({ windowMinutes: 15, numericMethod: "auto", pValueThreshold: 0.05 });
    expect((await api.drift.reports({ name: "watched" })).settings.windowMinutes).toBe(15);
    await expect(api.drift.reports({ name: "nowhere" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
