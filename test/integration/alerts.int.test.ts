import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis } from "@/server/contracts/redis-connections";
import { WEBHOOK_QUEUE_NAME } from "@/server/contracts/webhook-delivery";
import { verifyWebhookSignature, ZWebhookEvent, type WebhookEvent } from "@/server/contracts/webhook-events";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { getRedis } from "@/server/redis";
import { computeDriftReport } from "@/server/services/drift/compute-drift-report";
import { closeWebhookQueue } from "@/server/services/webhook/queue-webhook-deliveries";
import { generateFraudExamples, type FraudFeatures } from "@/scripts/demo/fraud-dataset";
import { startWebhookReceiver } from "@/scripts/demo/webhook-receiver";
import { expectNoInternals } from "@/test/support/internal-ids";
import {
  createWatchedFraudDeployment,
  shiftedFraudFeatures,
  postFraudRows,
  uploadFraudGoldenSet,
} from "@/test/support/fraud-monitoring";
import { startServingStack } from "@/test/support/serving-stack";
import { callerFor, createTeam } from "@/test/support/trpc-caller";

// Alerts end to end: traffic through a real gateway, a real worker process with the serving,
// monitor and webhooks roles (alert ticks every 300 ms), a receiver on 127.0.0.1 that checks
// signatures as a team's would. Drift reports are computed here, window by window, so the
// newest report is the one the test wrote; the monitor's own drift tick is set to wait.

process.env.WEBHOOK_SECRET_KEY = randomBytes(32).toString("base64");
const api = callerFor();
const rivals = callerFor("rivals");
const viewer = callerFor("default", "viewer", { role: "viewer" });
const DEADLINE_MS = 30_000;

/** /flaky answers 500 to the first attempt of each event, then 202; every other path 202. */
function startReceiver() {
  const seen = new Set<string>();
  return startWebhookReceiver({
    respond: ({ path, headers }, response) => {
      const id = String(headers["webhook-id"]);
      if (path === "/flaky" && !seen.has(id)) {
        seen.add(id);
        return void response.writeHead(500).end("not yet");
      }
      response.writeHead(202).end("ok");
    },
  });
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let stack: Awaited<ReturnType<typeof startServingStack>>;
let deploymentId: string;
const secrets = new Map<string, string>();

async function eventually<T>(read: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const deadlineMs = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Standard events a path received, each signature checked against its webhook's secret. */
function verifiedEvents(path: string): WebhookEvent[] {
  return receiver.at(path).map((request) => {
    const verification = verifyWebhookSignature({
      secret: secrets.get(path)!,
      headers: request.headers,
      body: request.body,
    });
    expect(verification, `signature of a request to ${path}`).toEqual({ valid: true });
    return ZWebhookEvent.parse(JSON.parse(request.body));
  });
}
const ofType = (path: string, type: string) => verifiedEvents(path).filter((event) => event.type === type);
const jsonAt = (path: string) =>
  receiver.at(path).map((request) => JSON.parse(request.body) as Record<string, unknown>);

async function addWebhook(path: string, extra: Record<string, unknown> = {}) {
  const created = await api.webhook.create({ url: receiver.url(path), description: path, ...extra });
  secrets.set(path, created.secret);
  return created.webhook.number;
}

/** 16 requests of 50 rows each, through the gateway; returns when the last was logged. */
async function sendTraffic(seed: number, transform: (features: FraudFeatures) => FraudFeatures) {
  const examples = generateFraudExamples(800, seed).map((example) => transform(example.features));
  for (let start = 0; start < examples.length; start += 50) {
    const response = await postFraudRows(
      stack.gateway.url,
      "watched",
      `seed-${seed}-${start}`,
      examples.slice(start, start + 50),
    );
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
  await eventually(
    async () =>
      (await getDb().predictionSample.count({ where: { requestId: `seed-${seed}-750` } })) === 1 || undefined,
    `the samples of seed ${seed}`,
  );
}

beforeAll(async () => {
  receiver = await startReceiver();
  await createTeam("rivals");
  deploymentId = await createWatchedFraudDeployment(api, "watched");
  await api.drift.setSettings({
    name: "watched",
    settings: { windowMinutes: 5, minSampleCount: 100 } as never,
  });
  stack = await startServingStack({
    hostName: "alerts-host",
    workerEnv: {
      WORKER_ROLES: "serving,monitor,webhooks",
      MONITOR_FOLD_INTERVAL_MS: "200",
      MONITOR_SAMPLES_INTERVAL_MS: "200",
      MONITOR_DRIFT_INTERVAL_MS: "3600000",
      MONITOR_ALERTS_INTERVAL_MS: "300",
      WEBHOOK_TIMEOUT_MS: "1000",
      WEBHOOK_RETRY_DELAYS_MS: "300,300,300",
      WEBHOOK_SWEEP_INTERVAL_MS: "500",
    },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
  await closeWebhookQueue();
  const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
  const connection = connectRedis("producer", REDIS_URL);
  const queue = new Queue(WEBHOOK_QUEUE_NAME, { connection, prefix: bullPrefix(REDIS_KEY_PREFIX) });
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  await getRedis().quit();
});

describe("alert rules", () => {
  it("refuses an unknown metric, a negative window, an absent receiver or deployment, in sentences", async () => {
    const rule = { name: "r", deploymentName: "watched", comparator: ">", threshold: 1 } as const;
    await expect(api.alert.createRule({ ...rule, metric: "vibes" as never })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^"vibes" is not a metric alerts know; use one of latency_p95_ms/),
    });
    await expect(
      api.alert.createRule({ ...rule, metric: "error_rate", windowMinutes: -5 }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "The window must be at least 1 minute (a negative or zero window covers no time).",
    });
    await expect(
      api.alert.createRule({ ...rule, metric: "error_rate", receiverNumbers: [9] }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("webhook #9 does not exist"),
    });
    await expect(
      api.alert.createRule({ ...rule, deploymentName: "nowhere", metric: "error_rate" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "deployment 'nowhere' does not exist" });
    await expect(viewer.alert.createRule({ ...rule, metric: "error_rate" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("managing alert rules needs the editor role"),
    });
    await expect(
      api.webhook.create({ format: "pagerduty", url: "ftp://pd.example.com/", routingKey: "k" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("http:// or https://") });
    await expect(api.webhook.create({ format: "pagerduty" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("routing) key"),
    });
    expect(await api.alert.rules()).toEqual([]);
  });

  it("creates rules with receivers, audited", async () => {
    const alertsOnly = {
      eventTypes: ["alert.fired", "alert.resolved"] as ("alert.fired" | "alert.resolved")[],
    };
    expect(await addWebhook("/drift", alertsOnly)).toBe(1);
    expect(await addWebhook("/flaky", alertsOnly)).toBe(2);
    expect(await addWebhook("/slack", { format: "slack" })).toBe(3);
    expect(await addWebhook("/pd", { format: "pagerduty", routingKey: "R0UTINGKEY0123" })).toBe(4);
    const pd = (await api.webhook.list()).find((webhook) => webhook.number === 4)!;
    expect(pd).toMatchObject({ format: "pagerduty", hasRoutingKey: true });
    expect(JSON.stringify(await getDb().webhook.findMany())).not.toContain("R0UTINGKEY0123");

    const drift = await api.alert.createRule({
      name: "fraud drift",
      deploymentName: "watched",
      metric: "drift_share",
      comparator: ">=",
      threshold: 0.5,
      windowMinutes: 60,
      receiverNumbers: [1, 3, 4],
    });
    expect(drift).toMatchObject({ number: 1, state: "inactive", forMinutes: 0, deploymentName: "watched" });
    const latency = await api.alert.createRule({
      name: "slow answers",
      deploymentName: "watched",
      metric: "latency_p95_ms",
      comparator: ">",
      threshold: 0,
      windowMinutes: 5,
      receiverNumbers: [2],
    });
    expect(latency.number).toBe(2);
    await expectNoInternals(await api.alert.rules());
    const audit = await getDb().auditEvent.findMany({ where: { action: "alert.create" } });
    expect(audit).toHaveLength(2);
  });

  it("fires a drift alert once when a feature shifts, to each receiver in its format", async () => {
    const shiftFromMs = Date.now();
    await sendTraffic(3, shiftedFraudFeatures);
    const [report] = await computeDriftReport({
      deploymentId,
      windowStartMs: shiftFromMs,
      windowEndMs: Date.now() + 1,
    });
    expect(report).toMatchObject({ status: "drift" });

    const fired = await eventually(() => ofType("/drift", "alert.fired")[0], "alert.fired at /drift");
    expect(fired.data).toMatchObject({
      ruleNumber: 1,
      ruleName: "fraud drift",
      episodeNumber: 1,
      metric: "drift_share",
      deploymentName: "watched",
      modelName: "card-fraud",
    });
    expect((fired.data as { value: number }).value).toBeGreaterThanOrEqual(0.5);
    const slack = await eventually(() => jsonAt("/slack")[0], "the Slack body");
    expect(slack).toEqual({
      text: expect.stringContaining(":rotating_light: Alert firing [default]: fraud drift"),
    });
    const trigger = await eventually(() => jsonAt("/pd")[0], "the PagerDuty trigger");
    expect(trigger).toMatchObject({
      routing_key: "R0UTINGKEY0123",
      event_action: "trigger",
      dedup_key: "mlops/default/alert-rule-1/episode-1",
      payload: { source: "watched", severity: "critical" },
    });
    // Several ticks later: still firing, still one notification.
    await sleep(1_500);
    expect(ofType("/drift", "alert.fired")).toHaveLength(1);
    expect(jsonAt("/pd")).toHaveLength(1);
    expect((await api.alert.rules())[0]).toMatchObject({ state: "firing" });
  });

  it("resolves it once when the newest window is like the baseline again", async () => {
    const calmFromMs = Date.now();
    await sendTraffic(4, (features) => features);
    const [report] = await computeDriftReport({
      deploymentId,
      windowStartMs: calmFromMs,
      windowEndMs: Date.now() + 1,
    });
    expect(report).toMatchObject({ status: "ok" });
    const resolved = await eventually(
      () => ofType("/drift", "alert.resolved")[0],
      "alert.resolved at /drift",
    );
    expect(resolved.data).toMatchObject({ ruleNumber: 1, episodeNumber: 1 });
    expect((resolved.data as { value: number }).value).toBeLessThan(0.5);
    const resolve = await eventually(() => jsonAt("/pd")[1], "the PagerDuty resolve");
    expect(resolve).toEqual({
      routing_key: "R0UTINGKEY0123",
      event_action: "resolve",
      dedup_key: "mlops/default/alert-rule-1/episode-1",
    });
    await sleep(1_500);
    expect(ofType("/drift", "alert.resolved")).toHaveLength(1);
    expect(ofType("/drift", "alert.fired")).toHaveLength(1);

    const history = await api.alert.events({ ruleNumber: 1 });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ number: 1, status: "resolved", ruleName: "fraud drift" });
    expect(history[0]!.value).toBeGreaterThanOrEqual(0.5);
    expect(history[0]!.resolvedAt!.getTime()).toBeGreaterThan(history[0]!.firedAt.getTime());
    expect(await api.alert.events({ ruleNumber: 1, status: "firing" })).toEqual([]);
  });

  it("fires a latency rule from the rollups; a receiver answering 500 then 200 gets it on the retry", async () => {
    const attempts = await eventually(() => {
      const got = receiver.at("/flaky");
      return got.length >= 2 ? got : undefined;
    }, "two attempts at /flaky");
    expect(attempts[0]!.headers["webhook-id"]).toBe(attempts[1]!.headers["webhook-id"]);
    const [event] = ofType("/flaky", "alert.fired");
    expect(event!.data).toMatchObject({ ruleNumber: 2, metric: "latency_p95_ms" });
    expect((event!.data as { value: number }).value).toBeGreaterThan(0);
    const delivery = await eventually(
      () =>
        getDb()
          .webhookDelivery.findFirst({
            where: { webhook: { number: 2 }, status: "delivered" },
            select: { attempts: true },
          })
          .then((row) => row ?? undefined),
      "the delivered row",
    );
    expect(delivery.attempts).toBe(2);
    // The monitor went on evaluating meanwhile.
    const before = (await api.alert.rules())[1]!.lastEvaluatedAt!;
    await eventually(
      async () => ((await api.alert.rules())[1]!.lastEvaluatedAt! > before ? true : undefined),
      "a later evaluation",
    );
  });

  it("sends a test notification to a rule's receivers", async () => {
    expect(await api.alert.testSend({ ruleNumber: 1 })).toEqual({ webhookNumbers: [1, 3, 4] });
    await eventually(() => ofType("/drift", "webhook.ping")[0], "the ping at /drift");
    await expect(api.alert.testSend({ webhookNumber: 42 })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("keeps each team's rules and episodes to itself", async () => {
    expect(await rivals.alert.rules()).toEqual([]);
    expect(await rivals.alert.events()).toEqual([]);
    await expect(rivals.alert.updateRule({ number: 1, threshold: 0.9 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(rivals.alert.deleteRule({ number: 1 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      rivals.alert.createRule({
        name: "x",
        deploymentName: "watched",
        metric: "error_rate",
        comparator: ">",
        threshold: 0,
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("updates and deletes a rule, audited", async () => {
    expect(await api.alert.updateRule({ number: 2, enabled: false, threshold: 5 })).toMatchObject({
      enabled: false,
      threshold: 5,
    });
    // Disabled while firing: resolved once by the next evaluation.
    await eventually(() => ofType("/flaky", "alert.resolved")[0], "alert.resolved at /flaky");
    expect(await api.alert.deleteRule({ number: 2 })).toEqual({ number: 2 });
    expect((await api.alert.rules()).map((rule) => rule.number)).toEqual([1]);
    const actions = (await getDb().auditEvent.findMany({ where: { action: { startsWith: "alert." } } })).map(
      (event) => event.action,
    );
    expect(actions).toEqual(expect.arrayContaining(["alert.update", "alert.delete", "alert.testSend"]));
  });

  it("resolves a rule deleted while firing, so its receivers close the incident", async () => {
    const webhook = await addWebhook("/deleted", { eventTypes: ["alert.fired", "alert.resolved"] });
    const rule = await api.alert.createRule({
      name: "doomed",
      deploymentName: "watched",
      metric: "latency_p95_ms",
      comparator: ">",
      threshold: 0,
      windowMinutes: 5,
      receiverNumbers: [webhook],
    });
    await eventually(() => ofType("/deleted", "alert.fired")[0], "alert.fired at /deleted");
    await api.alert.deleteRule({ number: rule.number });
    const resolved = await eventually(() => ofType("/deleted", "alert.resolved")[0], "alert.resolved");
    expect(resolved.data).toMatchObject({
      ruleNumber: rule.number,
      value: null,
      message: "doomed resolved: the rule was deleted",
    });
    await sleep(1_000);
    expect(ofType("/deleted", "alert.resolved")).toHaveLength(1);
  });

  it("fires a realized ROC AUC rule when labels show the model ranks wrongly", async () => {
    // The golden set names the outputs labels are scored against.
    await uploadFraudGoldenSet(api);
    const webhook = await addWebhook("/quality", { eventTypes: ["alert.fired"] });
    await api.alert.createRule({
      name: "ranking broke",
      deploymentName: "watched",
      metric: "realized_roc_auc",
      comparator: "<",
      threshold: 0.5,
      windowMinutes: 60,
      receiverNumbers: [webhook],
    });
    const seed = 31;
    await sendTraffic(seed, (features) => features);
    // Every label the opposite of the truth: the model's ROC AUC on them is 1 minus its real one.
    const examples = generateFraudExamples(800, seed);
    const labels = [];
    for (let start = 0; start < examples.length; start += 50)
      labels.push({
        id: `seed-${seed}-${start}`,
        label: examples.slice(start, start + 50).map((example) => 1 - Number(example.isFraud)),
      });
    expect(await api.feedback.record({ name: "watched", labels })).toMatchObject({ accepted: 16 });
    const [fired] = await eventually(() => {
      const events = ofType("/quality", "alert.fired");
      return events.length > 0 ? events : undefined;
    }, "alert.fired at /quality");
    expect(fired!.data).toMatchObject({ ruleName: "ranking broke", metric: "realized_roc_auc" });
    expect((fired!.data as { value: number }).value).toBeLessThan(0.5);
  });
});
