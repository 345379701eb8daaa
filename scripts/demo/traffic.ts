import path from "node:path";
import { fileURLToPath } from "node:url";
import { encodeFraudFeatures, generateFraudExamples } from "./fraud-dataset";

/**
 * Demo traffic: card transactions sent to a deployment through the gateway at a steady rate,
 * one to four rows per request, some with a sticky key, so the console's charts fill up.
 */
export async function sendDemoTraffic({
  gatewayUrl,
  deployment,
  requestsPerSecond,
  signal,
}: {
  gatewayUrl: string;
  deployment: string;
  requestsPerSecond: number;
  signal?: AbortSignal;
}) {
  const examples = generateFraudExamples(10_000, 2026);
  const url = `${gatewayUrl}/v2/models/${deployment}/infer`;
  let sent = 0;
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
        if (!response.ok) failed += 1;
      })
      .catch(() => {
        if (!signal?.aborted) failed += 1;
      });
    sent += 1;
    if (Date.now() - lastReportMs > 60_000) {
      console.log(`demo traffic: ${sent} requests sent to ${deployment}, ${failed} failed`);
      lastReportMs = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000 / requestsPerSecond));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await sendDemoTraffic({
    gatewayUrl: process.env.GATEWAY_URL ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? 8080}`,
    deployment: process.env.DEMO_DEPLOYMENT ?? "card-fraud-prod",
    requestsPerSecond: Number(process.env.DEMO_REQUESTS_PER_SECOND ?? 20),
  });
}
