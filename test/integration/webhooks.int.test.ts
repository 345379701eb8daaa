import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVALUATION_QUEUE_NAME } from "@/server/contracts/evaluation";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis } from "@/server/contracts/redis-connections";
import { WEBHOOK_QUEUE_NAME } from "@/server/contracts/webhook-delivery";
import {
  serializeWebhookEvent,
  verifyWebhookSignature,
  ZWebhookEvent,
  type WebhookEvent,
} from "@/server/contracts/webhook-events";
import type { WebhookEventType } from "@/server/domain/webhooks/event-types";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { closeEvaluationQueue } from "@/server/services/evaluation/evaluation-queue";
import { closeWebhookQueue } from "@/server/services/webhook/queue-webhook-deliveries";
import { startWebhookReceiver } from "@/scripts/demo/webhook-receiver";
import { readDemoFile } from "@/test/support/demo-files";
import { expectNoInternals } from "@/test/support/internal-ids";
import { serveArtifacts, startWorkerProcess, stopProcess } from "@/test/support/serving-stack";
import { callerFor, createTeam, uploadForm } from "@/test/support/trpc-caller";

// Webhooks end to end: the console's services record deliveries in their transactions, a real
// worker process with the webhooks role signs and POSTs them to a receiver on 127.0.0.1, and
// the receiver checks each signature as a team's would. Short retry waits and timeout keep it fast.

process.env.WEBHOOK_SECRET_KEY = randomBytes(32).toString("base64");
const TIMEOUT_MS = 1_000;
const RETRY_DELAYS_MS = "200,200,200";

const api = callerFor();
const rivals = callerFor("rivals");
const MODEL = "card-fraud";
const DEADLINE_MS = 20_000;

/** A team's receiver: /flaky answers 500 twice per event, /hang never answers, /redirect moves. */
function startReceiver() {
  const flakyAnswers = new Map<string, number>();
  return startWebhookReceiver({
    respond: ({ path, headers }, response) => {
      if (path === "/hang") return;
      if (path === "/redirect") return void response.writeHead(302, { location: "/moved" }).end();
      if (path === "/flaky") {
        const id = String(headers["webhook-id"]);
        const answered = (flakyAnswers.get(id) ?? 0) + 1;
        flakyAnswers.set(id, answered);
        if (answered <= 2) return void response.writeHead(500).end("not yet");
      }
      response.writeHead(200, { "content-type": "text/plain" }).end(`thanks ${"!".repeat(2_000)}`);
    },
  });
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let artifacts: Awaited<ReturnType<typeof serveArtifacts>>;
let worker: ChildProcess;
const secrets = new Map<string, string>();

async function eventually<T>(read: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const deadlineMs = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The events a path received, each checked against its webhook's secret as a receiver would. */
function verifiedEvents(path: string): (WebhookEvent & { webhookId: string })[] {
  return receiver.at(path).map((request) => {
    const verification = verifyWebhookSignature({
      secret: secrets.get(path)!,
      headers: request.headers,
      body: request.body,
    });
    expect(verification, `signature of a request to ${path}`).toEqual({ valid: true });
    return {
      ...ZWebhookEvent.parse(JSON.parse(request.body)),
      webhookId: String(request.headers["webhook-id"]),
    };
  });
}

const eventOf = (path: string, type: string, match: (event: WebhookEvent) => boolean = () => true) =>
  eventually(
    () => verifiedEvents(path).find((event) => event.type === type && match(event)),
    `${type} at ${path}`,
  );

async function createWebhook(
  path: string,
  filters: { eventTypes?: WebhookEventType[]; modelNames?: string[] } = {},
  caller = api,
) {
  const created = await caller.webhook.create({
    url: receiver.url(path),
    description: `receiver at ${path}`,
    ...filters,
  });
  secrets.set(path, created.secret);
  return created.webhook;
}

const upload = (modelName: string, file: string, caller = api) =>
  readDemoFile(file).then((bytes) => caller.modelVersion.upload(uploadForm({ modelName, file: bytes })));

beforeAll(async () => {
  receiver = await startReceiver();
  artifacts = await serveArtifacts();
  worker = await startWorkerProcess({
    hostName: "webhooks-1",
    artifactSourceUrl: artifacts.url,
    env: {
      WORKER_ROLES: "webhooks,evaluation",
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_RETRY_DELAYS_MS: RETRY_DELAYS_MS,
      WEBHOOK_SWEEP_INTERVAL_MS: "500",
    },
  });
  await createTeam("rivals");
  await api.model.create({ name: MODEL });
  await api.model.create({ name: "churn" });
  await rivals.model.create({ name: MODEL });
}, 120_000);

afterAll(async () => {
  await stopProcess(worker);
  await receiver.close();
  await artifacts.close();
  await closeWebhookQueue();
  await closeEvaluationQueue();
  const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
  const connection = connectRedis("producer", REDIS_URL);
  for (const name of [WEBHOOK_QUEUE_NAME, EVALUATION_QUEUE_NAME]) {
    const queue = new Queue(name, { connection, prefix: bullPrefix(REDIS_KEY_PREFIX) });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  connection.disconnect();
});

describe("creating webhooks", () => {
  it("shows the whsec_ secret once, never again, and refuses a bad URL with a sentence", async () => {
    const all = await createWebhook("/all");
    expect(all).toMatchObject({ number: 1, enabled: true, eventTypes: [], modelNames: [] });
    expect(secrets.get("/all")).toMatch(/^whsec_/);
    expect(all.secretPrefix).toBe(`${secrets.get("/all")!.slice(0, 10)}…`);
    await createWebhook("/filtered", { eventTypes: ["deployment.revisionChanged"], modelNames: [MODEL] });
    await createWebhook("/churn-only", { modelNames: ["churn"] });

    const listed = await api.webhook.list();
    expect(listed.map((webhook) => webhook.number)).toEqual([1, 2, 3]);
    const stored = await getDb().webhook.findMany({ select: { secretCiphertext: true } });
    for (const secret of secrets.values()) {
      expect(JSON.stringify(listed)).not.toContain(secret.slice(10));
      expect(JSON.stringify(stored)).not.toContain(secret.slice(10));
    }
    await expectNoInternals(listed);

    await expect(api.webhook.create({ url: "ftp://files.example.com/in" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "The URL must start with http:// or https://, not ftp://.",
    });
    await expect(api.webhook.create({ url: "https://bot:pw@ci.example.com/" })).rejects.toThrow(
      /must not carry a user name or password/,
    );
  });
});

describe("registry events", () => {
  it("delivers modelVersion.registered, signed, to the webhooks whose filters want it", async () => {
    const version = await upload(MODEL, "fraud-v1.onnx");
    const event = await eventOf("/all", "modelVersion.registered");
    expect(event).toMatchObject({
      type: "modelVersion.registered",
      teamSlug: "default",
      data: { modelName: MODEL, versionNumber: 1, artifactSha256: version.artifactSha256, featureSet: null },
    });
    expect(event.webhookId).toBe(event.id);
    expect(event.id).toMatch(/^evt_/);
    await expectNoInternals(event);

    const { deliveries } = await eventually(async () => {
      const page = await api.webhook.deliveries({ number: 1 });
      return page.deliveries[0]?.status === "delivered" ? page : undefined;
    }, "the delivery recorded as delivered");
    expect(deliveries[0]).toMatchObject({
      eventId: event.id,
      eventType: "modelVersion.registered",
      status: "delivered",
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    // Only the start of the receiver's answer is kept.
    expect(deliveries[0]!.lastResponseExcerpt).toMatch(/^thanks !+$/);
    expect(deliveries[0]!.lastResponseExcerpt!.length).toBe(500);
    expect(JSON.parse(deliveries[0]!.body)).toMatchObject({ id: event.id });
    // Filtered out: /filtered takes revision changes only, /churn-only another model's events.
    for (const number of [2, 3]) expect((await api.webhook.deliveries({ number })).deliveries).toEqual([]);
  });

  it("delivers deployment.revisionChanged with the revision's weights on create and on a traffic change", async () => {
    await upload(MODEL, "fraud-v2.onnx");
    await api.deployment.create({
      name: "fraud",
      modelName: MODEL,
      versionNumber: 1,
      environment: "production",
    });
    const created = await eventOf("/filtered", "deployment.revisionChanged");
    expect(created.data).toMatchObject({
      deploymentName: "fraud",
      modelName: MODEL,
      change: "create",
      revision: { number: 1, weights: [{ versionNumber: 1, weight: 100 }], shadows: [] },
      previousRevision: null,
    });

    await api.deployment.changeTraffic({
      name: "fraud",
      change: { kind: "canary", versionNumber: 2, weightPercent: 10 },
    });
    const canary = await eventOf(
      "/all",
      "deployment.revisionChanged",
      (event) => event.type === "deployment.revisionChanged" && event.data.change === "canary",
    );
    expect(canary).toMatchObject({
      teamSlug: "default",
      data: {
        deploymentName: "fraud",
        modelName: MODEL,
        environment: "production",
        change: "canary",
        revision: { number: 2, strategy: "canary" },
        previousRevision: { number: 1, weights: [{ versionNumber: 1, weight: 100 }] },
        gate: null,
        approval: null,
      },
    });
    if (canary.type !== "deployment.revisionChanged") throw new Error("unreachable");
    expect(canary.data.revision.weights.toSorted((a, b) => a.versionNumber - b.versionNumber)).toEqual([
      { versionNumber: 1, weight: 90 },
      { versionNumber: 2, weight: 10 },
    ]);
    await expectNoInternals(canary);
    await eventOf(
      "/filtered",
      "deployment.revisionChanged",
      (event) => event.type === "deployment.revisionChanged" && event.data.change === "canary",
    );
    expect(verifiedEvents("/filtered").map((event) => event.type)).toEqual([
      "deployment.revisionChanged",
      "deployment.revisionChanged",
    ]);
    expect(receiver.at("/churn-only")).toEqual([]);
  });

  it("respects the model filter: only the churn model's events reach /churn-only", async () => {
    await upload("churn", "fraud-v1.onnx");
    const event = await eventOf("/churn-only", "modelVersion.registered");
    expect(event.data).toMatchObject({ modelName: "churn", versionNumber: 1 });
    await eventOf(
      "/all",
      "modelVersion.registered",
      (all) => all.type === "modelVersion.registered" && all.data.modelName === "churn",
    );
    expect(verifiedEvents("/churn-only").map((received) => received.type)).toEqual([
      "modelVersion.registered",
    ]);
  });

  it("delivers evaluation.finished from the evaluation worker with the metrics", async () => {
    const rows = Array.from({ length: 20 }, (_, index) =>
      JSON.stringify({
        inputs: [
          { name: "features", datatype: "FP32", shape: [1, 14], data: new Array(14).fill(index / 20) },
        ],
        expected: { label: index % 2 },
      }),
    );
    await api.goldenSet.upload(
      uploadForm({
        modelName: MODEL,
        name: "smoke",
        format: "jsonl",
        task: JSON.stringify({
          kind: "binary-classification",
          probabilityOutput: "probability",
          labelOutput: "label",
        }),
        file: new TextEncoder().encode(rows.join("\n")),
      }),
    );
    await api.evaluation.start({ modelName: MODEL, versionNumber: 1, goldenSetName: "smoke" });
    const event = await eventOf("/all", "evaluation.finished");
    expect(event.data).toMatchObject({
      modelName: MODEL,
      versionNumber: 1,
      evaluationNumber: 1,
      goldenSetName: "smoke",
      status: "succeeded",
      error: null,
    });
    if (event.type !== "evaluation.finished") throw new Error("unreachable");
    expect(Object.keys(event.data.metrics).sort()).toEqual(["accuracy", "log_loss", "roc_auc"]);
    expect(event.data.metrics.accuracy).toBeGreaterThanOrEqual(0);
  });
});

describe("retries", () => {
  it("delivers on the third attempt to a receiver that answers 500 twice, recording the attempts", async () => {
    const flaky = await createWebhook("/flaky", { modelNames: ["no-such-model"] });
    const { eventId } = await api.webhook.ping({ number: flaky.number });
    const delivered = await eventually(async () => {
      const [delivery] = (await api.webhook.deliveries({ number: flaky.number })).deliveries;
      return delivery?.status === "delivered" ? delivery : undefined;
    }, "the flaky receiver's delivery");
    expect(delivered).toMatchObject({ eventId, eventType: "webhook.ping", attempts: 3, lastStatusCode: 200 });
    const attempts = verifiedEvents("/flaky");
    expect(attempts.map((event) => event.id)).toEqual([eventId, eventId, eventId]);
    expect(attempts[0]).toMatchObject({ type: "webhook.ping", data: { webhookNumber: flaky.number } });
  });

  it("records a hanging receiver's timeout as a sentence, and fails the delivery after the last attempt", async () => {
    const hang = await createWebhook("/hang", { modelNames: ["no-such-model"] });
    await api.webhook.ping({ number: hang.number });
    const firstFailure = await eventually(async () => {
      const [delivery] = (await api.webhook.deliveries({ number: hang.number })).deliveries;
      return delivery?.lastError ? delivery : undefined;
    }, "the first timeout");
    expect(firstFailure).toMatchObject({
      lastError: "the receiver did not answer within 1 s (timed out)",
      lastStatusCode: null,
    });
    const failed = await eventually(async () => {
      const [delivery] = (await api.webhook.deliveries({ number: hang.number })).deliveries;
      return delivery?.status === "failed" ? delivery : undefined;
    }, "the hanging delivery failing");
    expect(failed).toMatchObject({
      attempts: 4,
      nextAttemptAt: null,
      lastError: expect.stringMatching(/timed out/),
    });
    expect(receiver.at("/hang")).toHaveLength(4);
  });

  it("never follows a redirect", async () => {
    const redirect = await createWebhook("/redirect", { modelNames: ["no-such-model"] });
    await api.webhook.ping({ number: redirect.number });
    const failed = await eventually(async () => {
      const [delivery] = (await api.webhook.deliveries({ number: redirect.number })).deliveries;
      return delivery?.lastError ? delivery : undefined;
    }, "the redirect's answer");
    expect(failed).toMatchObject({
      lastStatusCode: 302,
      lastError: expect.stringContaining("redirects are not followed"),
    });
    expect(receiver.at("/moved")).toEqual([]);
  });

  it("sends a delivery whose job Redis lost: the sweep finds it", async () => {
    const { id: webhookId, teamId } = await getDb().webhook.findFirstOrThrow({
      where: { number: 1, team: { slug: "default" } },
    });
    const eventId = "evt_lost_in_redis";
    await getDb().webhookDelivery.create({
      data: {
        teamId,
        webhookId,
        eventId,
        eventType: "webhook.ping",
        body: serializeWebhookEvent({
          id: eventId,
          occurredAt: new Date(),
          teamSlug: "default",
          event: { type: "webhook.ping", data: { webhookNumber: 1, message: "never queued" } },
        }),
        nextAttemptAt: new Date(Date.now() - 60_000),
      },
    });
    const swept = await eventOf("/all", "webhook.ping", (event) => event.id === eventId);
    expect(swept.data).toEqual({ webhookNumber: 1, message: "never queued" });
  });

  it("redelivers an event as a new delivery with the same webhook-id", async () => {
    const [registered] = verifiedEvents("/all").filter((event) => event.type === "modelVersion.registered");
    await api.webhook.redeliver({ number: 1, eventId: registered!.id });
    await eventually(
      () =>
        verifiedEvents("/all").filter((event) => event.id === registered!.id).length === 2 ? true : undefined,
      "the redelivery",
    );
    const { deliveries } = await api.webhook.deliveries({ number: 1, limit: 100 });
    expect(deliveries.filter((delivery) => delivery.eventId === registered!.id)).toHaveLength(2);
    await expect(api.webhook.redeliver({ number: 1, eventId: "evt_never" })).rejects.toThrow(
      "webhook #1 has no delivery of event evt_never",
    );
  });
});

describe("managing webhooks", () => {
  it("pages deliveries newest first", async () => {
    const first = await api.webhook.deliveries({ number: 1, limit: 2 });
    expect(first.deliveries).toHaveLength(2);
    const second = await api.webhook.deliveries({ number: 1, limit: 2, cursor: first.nextCursor! });
    const all = await api.webhook.deliveries({ number: 1, limit: 100 });
    expect([...first.deliveries, ...second.deliveries].map((delivery) => delivery.createdAt)).toEqual(
      all.deliveries.slice(0, 4).map((delivery) => delivery.createdAt),
    );
    const times = all.deliveries.map((delivery) => delivery.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("sends nothing to a disabled webhook, and audits every change without the secret", async () => {
    await api.webhook.update({ number: 3, enabled: false });
    await upload("churn", "fraud-v2.onnx");
    await eventOf(
      "/all",
      "modelVersion.registered",
      (event) =>
        event.type === "modelVersion.registered" &&
        event.data.modelName === "churn" &&
        event.data.versionNumber === 2,
    );
    expect((await api.webhook.deliveries({ number: 3 })).deliveries).toHaveLength(1);
    await expect(api.webhook.ping({ number: 3 })).rejects.toThrow(
      "webhook #3 is disabled; enable it to send it events",
    );
    const updated = await api.webhook.update({ number: 3, enabled: true, modelNames: ["churn", "fraud-2"] });
    expect(updated).toMatchObject({ enabled: true, modelNames: ["churn", "fraud-2"] });

    await api.webhook.delete({ number: 6 });
    expect((await api.webhook.list()).map((webhook) => webhook.number)).toEqual([1, 2, 3, 4, 5]);
    const { events } = await api.audit.list({ targetType: "webhook", limit: 100 });
    expect(new Set(events.map((event) => event.action))).toEqual(
      new Set(["webhook.create", "webhook.update", "webhook.delete", "webhook.ping", "webhook.redeliver"]),
    );
    expect(events.filter((event) => event.action === "webhook.update").at(-1)).toMatchObject({
      target: { type: "webhook", name: "webhook #3" },
      before: { enabled: true },
      after: { enabled: false },
    });
    for (const secret of secrets.values()) expect(JSON.stringify(events)).not.toContain(secret.slice(10));
  });

  it("keeps each team's webhooks and deliveries to itself", async () => {
    expect(await rivals.webhook.list()).toEqual([]);
    for (const call of [
      () => rivals.webhook.deliveries({ number: 1 }),
      () => rivals.webhook.update({ number: 1, enabled: false }),
      () => rivals.webhook.ping({ number: 1 }),
      () => rivals.webhook.redeliver({ number: 1, eventId: "evt_lost_in_redis" }),
      () => rivals.webhook.delete({ number: 1 }),
    ])
      await expect(call()).rejects.toMatchObject({ code: "NOT_FOUND", message: "webhook #1 does not exist" });

    const theirs = await createWebhook("/rivals", {}, rivals);
    expect(theirs.number).toBe(1);
    await upload(MODEL, "fraud-v1.onnx", rivals);
    const event = await eventOf("/rivals", "modelVersion.registered");
    expect(event).toMatchObject({ teamSlug: "rivals", data: { modelName: MODEL, versionNumber: 1 } });
    expect((await rivals.webhook.deliveries({ number: 1 })).deliveries.map((row) => row.eventId)).toEqual([
      event.id,
    ]);
    const ours = await api.webhook.deliveries({ number: 1, limit: 200 });
    expect(ours.deliveries.map((row) => row.eventId)).not.toContain(event.id);
    expect(verifiedEvents("/all").every((received) => received.teamSlug === "default")).toBe(true);
    expect((await api.webhook.list()).map((webhook) => webhook.url)).not.toContain(receiver.url("/rivals"));
  });
});
