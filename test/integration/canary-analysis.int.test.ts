import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { getRedis } from "@/server/redis";
import { advanceCanaryAnalyses } from "@/server/services/canary/advance-canary-analyses";
import { generateFraudExamples } from "@/scripts/demo/fraud-dataset";
import { readDemoFile } from "@/test/support/demo-files";
import { uploadFraudGoldenSet, postFraudRows } from "@/test/support/fraud-monitoring";
import { startServingStack } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// Automated canary analysis end to end: labelled traffic through a real gateway and worker; the
// demo's regressed v3 (ROC AUC 0.67 on the holdout against v1's 0.83) is rolled back on its own
// at its first interval, and the better v2 stepped up and promoted. Each interval is judged by
// the service the monitor runs, called by the test a minute ahead of the clock: the interval
// starts as its traffic does, so the worker's own monitor does not find it due first. The last
// rollout is left to the worker's monitor alone.

const api = callerFor();
/** The worker's monitor looks at running analyses this often; each is judged once a minute. */
const MONITOR_CANARY_INTERVAL_MS = 1_000;
let stack: Awaited<ReturnType<typeof startServingStack>>;
let sent = 0;

const SETTINGS = {
  stepPercent: 30,
  maxPercent: 60,
  intervalMinutes: 1,
  minRequests: 40,
  maxErrorRateIncrease: 0.05,
  // Latency on a shared test machine says nothing about a version: this test is about quality.
  maxLatencyRatio: 100,
  maxAucDrop: 0.05,
  maxInconclusive: 3,
};

beforeAll(async () => {
  await api.model.create({ name: "card-fraud" });
  for (const version of [1, 2, 3])
    await api.modelVersion.upload(
      uploadForm({ modelName: "card-fraud", file: await readDemoFile(`fraud-v${version}.onnx`) }),
    );
  // The golden set names the outputs labels are scored against.
  await uploadFraudGoldenSet(api);
  await api.deployment.create({
    name: "rollout",
    modelName: "card-fraud",
    versionNumber: 1,
    predictionSampleRate: 1,
  });
  stack = await startServingStack({
    hostName: "canary-host",
    workerEnv: {
      WORKER_ROLES: "serving,monitor",
      MONITOR_SAMPLES_INTERVAL_MS: "200",
      MONITOR_FOLD_INTERVAL_MS: "500",
      MONITOR_CANARY_INTERVAL_MS: String(MONITOR_CANARY_INTERVAL_MS),
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await getRedis().quit();
});

/** An interval's traffic: requests with ids through the gateway, then their true labels. */
async function labelledTraffic(count: number) {
  const examples = generateFraudExamples(count, 1_000 + sent);
  const labels: { id: string; label: number }[] = [];
  for (const example of examples) {
    const id = `txn-${sent++}`;
    const response = await postFraudRows(stack.gateway.url, "rollout", id, [example.features]);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    labels.push({ id, label: Number(example.isFraud) });
  }
  // Labels join logged predictions: wait for the monitor to have written the last one, and the fold.
  const last = labels.at(-1)!.id;
  for (let waitedMs = 0; waitedMs < 20_000; waitedMs += 100) {
    if ((await getDb().predictionSample.count({ where: { requestId: last } })) === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(await api.feedback.record({ name: "rollout", labels })).toMatchObject({ accepted: count });
}

/** Starts the running analysis's interval now, so the traffic that follows is its interval. */
async function startInterval() {
  await getDb().canaryAnalysis.updateMany({
    where: { status: "running" },
    data: { lastCheckedAt: new Date() },
  });
}

/** Judges the interval as the monitor would once it has lasted its minute. */
const endInterval = () => advanceCanaryAnalyses({ nowMs: Date.now() + 61_000 });

const weights = async () => (await api.deployment.byName({ name: "rollout" })).activeRevision.target.weights;
const latest = async () => (await api.canary.list({ name: "rollout" }))[0]!;

describe("automated canary analysis", () => {
  it("rolls the regressed version back on its own at the first failed check", async () => {
    await api.canary.start({ name: "rollout", versionNumber: 3, settings: SETTINGS });
    expect(await weights()).toEqual([
      { versionNumber: 1, weight: 70 },
      { versionNumber: 3, weight: 30 },
    ]);
    await startInterval();
    await labelledTraffic(300);
    expect(await endInterval()).toBe(1);

    const analysis = await latest();
    expect(analysis).toMatchObject({ status: "rolledBack", canaryVersionNumber: 3, stableVersionNumber: 1 });
    expect(analysis.reason).toMatch(/^v1 back to 100%: ROC AUC 0\.\d+ against the stable version's 0\.\d+/);
    const rollback = analysis.steps.at(-1)!;
    expect(rollback.decision).toBe("rollback");
    expect(rollback.checks.find((check) => check.name === "ROC AUC")).toMatchObject({ passed: false });
    expect(rollback.canary!.requests).toBeGreaterThanOrEqual(SETTINGS.minRequests);
    expect(await weights()).toEqual([{ versionNumber: 1, weight: 100 }]);
    const revision = (await api.deployment.byName({ name: "rollout" })).revisions[0]!;
    expect(revision.createdBy).toBe("canary-analysis");
  });

  it("steps the better version up and promotes it", async () => {
    await api.canary.start({ name: "rollout", versionNumber: 2, settings: SETTINGS });
    await startInterval();
    await labelledTraffic(250);
    await endInterval();
    expect(await latest()).toMatchObject({ status: "running", weightPercent: 60 });
    expect(await weights()).toEqual([
      { versionNumber: 1, weight: 40 },
      { versionNumber: 2, weight: 60 },
    ]);

    await startInterval();
    await labelledTraffic(150);
    await endInterval();
    const analysis = await latest();
    expect(analysis.status).toBe("promoted");
    expect(analysis.steps.map((step) => step.decision)).toEqual(["start", "step", "promote"]);
    expect(analysis.steps.at(-1)!.checks.every((check) => check.passed)).toBe(true);
    expect(await weights()).toEqual([{ versionNumber: 2, weight: 100 }]);
  });

  it("is advanced by the worker's monitor on its own clock: the regressed version rolled back", async () => {
    // Against v2, which the previous test promoted; nothing here calls the service.
    await api.canary.start({ name: "rollout", versionNumber: 3, settings: SETTINGS });
    const startedMs = Date.now();
    await labelledTraffic(300);
    let analysis = await latest();
    while (analysis.status === "running" && Date.now() - startedMs < 150_000) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      analysis = await latest();
    }
    console.log(
      `monitor judged the canary ${((Date.now() - startedMs) / 1000).toFixed(1)} s after it started ` +
        `(interval ${SETTINGS.intervalMinutes} min, ticks every ${MONITOR_CANARY_INTERVAL_MS} ms)`,
    );
    expect(analysis).toMatchObject({ status: "rolledBack", canaryVersionNumber: 3, stableVersionNumber: 2 });
    expect(analysis.steps.map((step) => step.decision)).toEqual(["start", "rollback"]);
    expect(await weights()).toEqual([{ versionNumber: 2, weight: 100 }]);
  }, 180_000);

  it("refuses a second analysis, one of the serving version, and settings that cannot work", async () => {
    await expect(
      api.canary.start({ name: "rollout", versionNumber: 2, settings: SETTINGS }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "v2 is the version that serves 'rollout' now; analyse another one",
    });
    await expect(
      api.canary.start({ name: "rollout", versionNumber: 1, settings: { ...SETTINGS, stepPercent: 70 } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(api.canary.stop({ name: "rollout" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "deployment 'rollout' runs no canary analysis",
    });
  });
});
