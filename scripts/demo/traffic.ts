import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { encodeFraudFeatures, generateFraudExamples } from "./fraud-dataset";

/** The gateway, the worker and the console start side by side; this covers a slow machine's boot. */
const READY_WAIT_MS = 120_000;
/** Labels arrive late, as a chargeback does: for two requests in five, this long after the answer. */
const LABEL_DELAY_MS = 30_000;
const LABEL_EVERY_MS = 10_000;

/**
 * Demo traffic: card transactions sent to a deployment through the gateway at a steady rate,
 * one to four rows per request, some with a sticky key, so the console's charts fill up. Starts
 * once the deployment is ready, so the first requests do not fail against a gateway still starting.
 * After `driftAfterMs` the amounts triple, so drift shows; the true labels of two requests in
 * five go to the feedback route LABEL_DELAY_MS after their answers, so realized quality shows.
 */
export async function sendDemoTraffic({
  gatewayUrl,
  deployment,
  requestsPerSecond,
  reportEveryMs = 60_000,
  driftAfterMs = 5 * 60_000,
  signal,
}: {
  gatewayUrl: string;
  deployment: string;
  requestsPerSecond: number;
  reportEveryMs?: number;
  driftAfterMs?: number;
  signal?: AbortSignal;
}) {
  await waitUntilReady(`${gatewayUrl}/v2/models/${deployment}/ready`, signal);
  const examples = generateFraudExamples(10_000, 2026);
  const url = `${gatewayUrl}/v2/models/${deployment}/infer`;
  let sent = 0;
  let answered = 0;
  let failed = 0;
  let lastReportMs = Date.now();
  const startedMs = Date.now();
  const labels = new LateLabels(`${gatewayUrl}/v2/models/${deployment}/feedback`, signal);
  while (!signal?.aborted) {
    const rows = 1 + (sent % 4);
    const drifted = Date.now() - startedMs >= driftAfterMs;
    const batch = Array.from({ length: rows }, (_, index) => {
      const example = examples[(sent * 4 + index) % examples.length]!;
      return drifted
        ? { ...example, features: { ...example.features, amount: example.features.amount * 3 } }
        : example;
    });
    const body = {
      id: `demo-${sent}`,
      inputs: [
        {
          name: "features",
          datatype: "FP32",
          shape: [rows, 14],
          data: batch.flatMap((example) => Array.from(encodeFraudFeatures(example.features))),
        },
      ],
    };
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (sent % 5 === 0) headers["x-sticky-key"] = `customer-${sent % 50}`;
    void fetch(url, { method: "POST", headers, body: JSON.stringify(body), signal })
      .then((response) => {
        answered += 1;
        if (!response.ok) failed += 1;
      })
      .catch(() => {
        if (!signal?.aborted) failed += 1;
      });
    if (sent % 5 < 2)
      labels.add(
        body.id,
        batch.map((example) => Number(example.isFraud)),
      );
    sent += 1;
    labels.sendDue();
    if (Date.now() - lastReportMs >= reportEveryMs) {
      console.log(
        `demo traffic: ${sent} requests sent to ${deployment}, ${answered} answered, ${failed} failed`,
      );
      lastReportMs = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000 / requestsPerSecond));
  }
}

/** True labels waiting for their delay, then sent in one feedback call every LABEL_EVERY_MS. */
class LateLabels {
  private waiting: { id: string; label: number[]; answeredAtMs: number }[] = [];
  private lastSentMs = Date.now();

  constructor(
    private readonly url: string,
    private readonly signal?: AbortSignal,
  ) {}

  add(id: string, label: number[]): void {
    this.waiting.push({ id, label, answeredAtMs: Date.now() });
  }

  sendDue(): void {
    if (Date.now() - this.lastSentMs < LABEL_EVERY_MS) return;
    this.lastSentMs = Date.now();
    const due = this.waiting.filter((entry) => Date.now() - entry.answeredAtMs >= LABEL_DELAY_MS);
    if (due.length === 0) return;
    this.waiting = this.waiting.slice(due.length);
    const body = JSON.stringify({ labels: due.map(({ id, label }) => ({ id, label })) });
    // Most of these requests were not sampled into the prediction log: the answer counts them as unknown.
    void fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: this.signal,
    })
      .then((response) => response.arrayBuffer())
      .catch(() => undefined);
  }
}

/**
 * Polls the deployment's readiness (200 once the gateway listens and a worker serves its device),
 * saying what it waits for; past READY_WAIT_MS it starts anyway and says why.
 */
async function waitUntilReady(readyUrl: string, signal?: AbortSignal): Promise<void> {
  const startedMs = Date.now();
  console.log(`demo traffic: waiting for ${readyUrl}`);
  let lastAnswer = "no answer yet";
  while (!signal?.aborted && Date.now() - startedMs < READY_WAIT_MS) {
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        console.log(`demo traffic: ready after ${((Date.now() - startedMs) / 1000).toFixed(1)} s, sending`);
        return;
      }
      lastAnswer = `${response.status} ${await response.text()}`;
    } catch (error) {
      lastAnswer = (error as Error).message;
    }
    await sleep(250);
  }
  if (!signal?.aborted)
    console.log(`demo traffic: not ready after ${READY_WAIT_MS / 1000} s (${lastAnswer}); sending anyway`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await sendDemoTraffic({
    gatewayUrl: process.env.GATEWAY_URL ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? 8080}`,
    deployment: process.env.DEMO_DEPLOYMENT ?? "card-fraud-prod",
    requestsPerSecond: Number(process.env.DEMO_REQUESTS_PER_SECOND ?? 20),
    reportEveryMs: Number(process.env.DEMO_TRAFFIC_REPORT_SECONDS ?? 60) * 1000,
    driftAfterMs: Number(process.env.DEMO_DRIFT_AFTER_SECONDS ?? 300) * 1000,
  });
}
