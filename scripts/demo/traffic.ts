import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { encodeFraudFeatures, generateFraudExamples } from "./fraud-dataset";

/** The gateway, the worker and the console start side by side; this covers a slow machine's boot. */
const READY_WAIT_MS = 120_000;

/**
 * Demo traffic: card transactions sent to a deployment through the gateway at a steady rate,
 * one to four rows per request, some with a sticky key, so the console's charts fill up. Starts
 * once the deployment is ready, so the first requests do not fail against a gateway still starting.
 */
export async function sendDemoTraffic({
  gatewayUrl,
  deployment,
  requestsPerSecond,
  reportEveryMs = 60_000,
  signal,
}: {
  gatewayUrl: string;
  deployment: string;
  requestsPerSecond: number;
  reportEveryMs?: number;
  signal?: AbortSignal;
}) {
  await waitUntilReady(`${gatewayUrl}/v2/models/${deployment}/ready`, signal);
  const examples = generateFraudExamples(10_000, 2026);
  const url = `${gatewayUrl}/v2/models/${deployment}/infer`;
  let sent = 0;
  let answered = 0;
  let failed = 0;
  let lastReportMs = Date.now();
  while (!signal?.aborted) {
    const rows = 1 + (sent % 4);
    const batch = Array.from({ length: rows }, (_, index) => examples[(sent * 4 + index) % examples.length]!);
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
    sent += 1;
    if (Date.now() - lastReportMs >= reportEveryMs) {
      console.log(
        `demo traffic: ${sent} requests sent to ${deployment}, ${answered} answered, ${failed} failed`,
      );
      lastReportMs = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000 / requestsPerSecond));
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
  });
}
