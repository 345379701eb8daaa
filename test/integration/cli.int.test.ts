import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { EVALUATION_QUEUE_NAME } from "@/server/contracts/evaluation";
import { WEBHOOK_QUEUE_NAME } from "@/server/contracts/webhook-delivery";
import { verifyWebhookSignature, ZWebhookEvent, type WebhookEvent } from "@/server/contracts/webhook-events";
import { connectRedis } from "@/server/contracts/redis-connections";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { readEnv } from "@/server/env";
import { closeWebhookQueue } from "@/server/services/webhook/queue-webhook-deliveries";
import { startWebhookReceiver } from "@/scripts/demo/webhook-receiver";
import { startConsoleServer } from "@/test/support/console-server";
import { DEMO_DIR, readDemoFile } from "@/test/support/demo-files";
import { expectNoInternals } from "@/test/support/internal-ids";
import { runCli } from "@/test/support/run-cli";
import { serveArtifacts, startWorkerProcess, stopProcess } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// `bin/mlops` as a CI pipeline drives it: the real binary in a child process, with an API key,
// against a console that requires one, serving the tRPC API over HTTP, and a worker process that
// evaluates and delivers webhooks; a receiver on 127.0.0.1 checks every event's signature.

process.env.CONSOLE_REQUIRE_AUTH = "true";
process.env.WEBHOOK_SECRET_KEY = randomBytes(32).toString("base64");
// The worker reads artifacts from the console's route with it, as in production.
process.env.WORKER_TOKEN = randomBytes(24).toString("hex");

const api = callerFor();
const MODEL = "card-fraud";
const CLASSIFIER = { kind: "binary-classification", probabilityOutput: "probability", labelOutput: "label" };

let consoleServer: Awaited<ReturnType<typeof startConsoleServer>>;
let artifacts: Awaited<ReturnType<typeof serveArtifacts>>;
let worker: ChildProcess;
let configDir: string;
let env: Record<string, string>;
let apiKey: string;
let webhookSecret: string;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  artifacts = await serveArtifacts();
  worker = await startWorkerProcess({
    hostName: "cli-evaluation",
    artifactSourceUrl: artifacts.url,
    env: { WORKER_ROLES: "evaluation,webhooks", WEBHOOK_RETRY_DELAYS_MS: "200,200" },
  });
  consoleServer = await startConsoleServer();
  receiver = await startWebhookReceiver();
  webhookSecret = (
    await api.webhook.create({
      url: receiver.url("/registry-events"),
      description: "the pipeline's receiver",
    })
  ).secret;
  apiKey = (await api.apiKey.create({ name: "ci-pipeline", role: "admin" })).key;
  configDir = await mkdtemp(path.join(os.tmpdir(), "mlops-cli-"));
  env = { MLOPS_CONFIG: path.join(configDir, "config.json") };

  const manifest = JSON.parse(new TextDecoder().decode(await readDemoFile("manifest.json"))) as {
    featureSet: { features: Feature[] };
  };
  await api.featureSet.create({ name: MODEL });
  await api.featureSet.createVersion(
    uploadForm({
      featureSetName: MODEL,
      file: await readDemoFile("fraud-sample.csv"),
      featureSource: JSON.stringify({ kind: "explicit", features: manifest.featureSet.features }),
    }),
  );
  await api.model.create({ name: MODEL });
  await api.modelVersion.upload(
    uploadForm({
      modelName: MODEL,
      file: await readDemoFile("fraud-v1.onnx"),
      metadata: JSON.stringify({ featureSet: { name: MODEL, version: 1 } }),
    }),
  );
  await api.goldenSet.upload(
    uploadForm({
      modelName: MODEL,
      task: JSON.stringify(CLASSIFIER),
      name: "holdout",
      format: "csv",
      labelColumn: "is_fraud",
      file: await readDemoFile("fraud-holdout.csv"),
    }),
  );
  await api.deployment.create({
    name: "fraud",
    modelName: MODEL,
    versionNumber: 1,
    environment: "production",
  });
}, 120_000);

afterAll(async () => {
  await stopProcess(worker);
  await Promise.all([
    consoleServer.close(),
    artifacts.close(),
    rm(configDir, { recursive: true, force: true }),
    receiver.close(),
  ]);
  await closeWebhookQueue();
  const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
  const connection = connectRedis("producer", REDIS_URL);
  for (const name of [EVALUATION_QUEUE_NAME, WEBHOOK_QUEUE_NAME]) {
    const queue = new Queue(name, { connection, prefix: bullPrefix(REDIS_KEY_PREFIX) });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  connection.disconnect();
});

/** The events the receiver got, each checked against the webhook's secret as a pipeline would. */
function verifiedEvents(): WebhookEvent[] {
  return receiver.received.map(({ headers, body }) => {
    expect(verifyWebhookSignature({ secret: webhookSecret, headers, body })).toEqual({ valid: true });
    return ZWebhookEvent.parse(JSON.parse(body));
  });
}

const mlops = (...args: string[]) => runCli(["--json", ...args], env);
const demoModel = (version: number) => path.join(DEMO_DIR, `fraud-v${version}.onnx`);

describe("bin/mlops", () => {
  it("saves its configuration readable by its owner only, and says what is missing without it", async () => {
    const unconfigured = await runCli(["models", "list"], env);
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toContain("no console URL");

    // The console requires credentials: without the key, denied (exit 5), and no stack.
    const keyless = await mlops("--url", consoleServer.url, "models", "list");
    expect(keyless.code).toBe(5);
    expect(keyless.stderr).toContain("API key");

    const configured = await mlops("configure", "--url", consoleServer.url, "--api-key", apiKey);
    expect(configured.code).toBe(0);
    expect(((await stat(env.MLOPS_CONFIG!)).mode & 0o777).toString(8)).toBe("600");
    const listed = await mlops("models", "list");
    expect(listed.code).toBe(0);
    expect(listed.json()).toEqual([expect.objectContaining({ name: MODEL, versionCount: 1 })]);
  });

  it("registers, evaluates and promotes a better version; the gate refuses the regressed one; rollback and restore", async () => {
    await api.deployment.setGate({
      name: "fraud",
      gate: { required: true, goldenSetName: "holdout", margin: 0.01 },
    });
    const v1Evaluated = await mlops("evaluate", MODEL, "1", "--golden-set", "holdout");
    expect(v1Evaluated.code).toBe(0);

    const registered = await mlops(
      "versions",
      "register",
      MODEL,
      demoModel(2),
      "--metric",
      "auc=0.91",
      "--tag",
      "stage=ci",
      "--git-commit",
      "0123abcd",
      "--feature-set",
      `${MODEL}@1`,
    );
    expect(registered.code).toBe(0);
    expect(registered.json()).toMatchObject({ modelName: MODEL, number: 2 });
    expect((await api.modelVersion.byNumber({ modelName: MODEL, number: 2 })).metrics).toEqual({ auc: 0.91 });

    const evaluated = await mlops("evaluate", MODEL, "2", "--golden-set", "holdout");
    expect(evaluated.code).toBe(0);
    expect(evaluated.json()).toMatchObject({ status: "succeeded", metrics: { roc_auc: expect.any(Number) } });
    const promoted = await mlops("promote", "fraud", "2");
    expect(promoted.code).toBe(0);
    expect(promoted.json()).toMatchObject({ revision: { strategy: "promote" } });

    await mlops("versions", "register", MODEL, demoModel(3), "--feature-set", `${MODEL}@1`);
    expect((await mlops("evaluate", MODEL, "3", "--golden-set", "holdout")).code).toBe(0);
    const refused = await mlops("promote", "fraud", "3");
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/refuses promoting v3: .*roc_auc/);
    expect(refused.json()).toMatchObject({ error: { class: "refused" } });

    const status = await mlops("status", "fraud");
    const served = status.json() as { activeRevision: { number: number; target: { weights: unknown[] } } };
    expect(served.activeRevision.target.weights).toEqual([{ versionNumber: 2, weight: 100 }]);

    expect((await mlops("rollback", "fraud")).code).toBe(0);
    expect(await weightsOfFraud()).toEqual([{ versionNumber: 1, weight: 100 }]);
    const restored = await mlops("restore", "fraud", String(served.activeRevision.number));
    expect(restored.code).toBe(0);
    expect(restored.json()).toMatchObject({ revision: { strategy: "restore" } });
    expect(await weightsOfFraud()).toEqual([{ versionNumber: 2, weight: 100 }]);

    // Each step reached the pipeline's receiver, signed, with what the step did.
    const expected = [
      (e: WebhookEvent) => e.type === "modelVersion.registered" && e.data.versionNumber === 2,
      (e: WebhookEvent) => e.type === "modelVersion.registered" && e.data.versionNumber === 3,
      (e: WebhookEvent) =>
        e.type === "evaluation.finished" && e.data.versionNumber === 2 && e.data.status === "succeeded",
      (e: WebhookEvent) => e.type === "evaluation.finished" && e.data.versionNumber === 3,
      (e: WebhookEvent) =>
        e.type === "deployment.revisionChanged" &&
        e.data.change === "promote" &&
        e.data.gate?.passed === true,
      (e: WebhookEvent) => e.type === "deployment.revisionChanged" && e.data.change === "rollback",
      (e: WebhookEvent) => e.type === "deployment.revisionChanged" && e.data.change === "restore",
    ];
    await expect
      .poll(() => expected.filter((match) => verifiedEvents().some(match)).length, { timeout: 20_000 })
      .toBe(expected.length);
    // The refused promotion changed nothing, so nothing was announced for it.
    const promotions = verifiedEvents().filter(
      (e) => e.type === "deployment.revisionChanged" && e.data.change === "promote",
    );
    expect(promotions).toHaveLength(1);
  });

  it("exits with the documented codes: not found 3, usage 2, unreachable console 6, never a stack", async () => {
    const missing = await mlops("status", "no-such-deployment");
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("no-such-deployment");
    const badWeight = await mlops("canary", "fraud", "2", "--weight", "half");
    expect(badWeight.code).toBe(2);
    const badMetric = await mlops("versions", "register", MODEL, demoModel(2), "--metric", "auc=high");
    expect(badMetric.code).toBe(2);
    expect(badMetric.stderr).toContain("metric 'auc' must be a finite number");
    const notOnnx = await mlops("versions", "register", MODEL, path.join(DEMO_DIR, "manifest.json"));
    expect(notOnnx.code).toBe(4);
    const unreachable = await runCli(["--url", "http://127.0.0.1:9", "models", "list"], env);
    expect(unreachable.code).toBe(6);
    for (const run of [missing, badWeight, badMetric, notOnnx, unreachable]) {
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expectNoInternals(run.stderr);
    }
  });
});

async function weightsOfFraud() {
  return (await api.deployment.byName({ name: "fraud" })).activeRevision.target.weights;
}
