import os from "node:os";
import path from "node:path";
import { dynamicWidthModel } from "@/test/fixtures/odd-models";
import { freePort } from "@/test/support/free-port";
import { setUpConsole } from "./bench-stack";
import { startNodeProcess, stopNodeProcess } from "./processes";

/**
 * A 1M-value FP32 tensor end to end through the real gateway and serving worker, as JSON and in
 * the binary tensor data extension's form, in alternating rounds (ABBA, so a neighbour's load
 * drifting over the run weighs on both alike). The model is dynamic-width (x [batch, width] ->
 * row sums and 2x), so the answer carries 1M values back too. Each time runs from the request's
 * first byte to the answer decoded into numbers on the client; the bodies are built beforehand.
 * Prints every round, the medians, the ratio, and the gateway's server-timing of the last round.
 *
 *   nice npx tsx bench/binary-tensors.ts [rounds]
 */

const VALUES = 1_000_000;
const ROUNDS = Number(process.argv[2] ?? 4);
/** A 1M-value tensor is about 19 MB as JSON, twice the default limit; the binary body is 4 MB. */
const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

const stack = await setUpConsole(
  [
    {
      label: "dynamic-width",
      file: "dynamic-width (built in code)",
      bytes: dynamicWidthModel(),
      inputName: "x",
      width: VALUES,
    },
  ],
  { maxBatchSize: 1, maxQueueDelayMs: 0 },
  "mlops_bench_binary",
);
const worker = await startNodeProcess("worker", "workers/main.ts", {
  env: {
    ...stack.env,
    WORKER_HOST_NAME: "bench-binary-worker",
    WORKER_CACHE_DIR: path.join(stack.env.ARTIFACT_DIR, "worker-cache"),
    ARTIFACT_SOURCE_URL: stack.artifactSourceUrl,
  },
  ready: /"hostName":"bench-binary-worker".*"msg":"worker started"/,
});
const port = await freePort();
const gateway = await startNodeProcess("gateway", "server/gateway/main.ts", {
  env: { ...stack.env, GATEWAY_PORT: String(port), GATEWAY_MAX_BODY_BYTES: String(BODY_LIMIT_BYTES) },
  ready: /"msg":"gateway listening/,
});
const url = `http://127.0.0.1:${port}/v2/models/${stack.deployments[0]!.name}/infer`;

try {
  const values = Float32Array.from({ length: VALUES }, (_, i) => Math.sin(i) * 1000);
  const shape = [1, VALUES];
  const jsonBody = JSON.stringify({
    inputs: [{ name: "x", datatype: "FP32", shape, data: Array.from(values) }],
  });
  const header = Buffer.from(
    JSON.stringify({
      parameters: { binary_data_output: true },
      inputs: [{ name: "x", datatype: "FP32", shape, parameters: { binary_data_size: values.byteLength } }],
    }),
  );
  const binaryBody = Buffer.concat([header, Buffer.from(values.buffer)]);

  /** One request; resolves with its milliseconds and the doubled output, decoded. */
  const send = async (
    form: "json" | "binary",
  ): Promise<{ ms: number; doubled: ArrayLike<number>; timing: string }> => {
    const started = performance.now();
    const response = await fetch(url, {
      method: "POST",
      headers:
        form === "json"
          ? { "content-type": "application/json", "x-timing": "true" }
          : {
              "content-type": "application/octet-stream",
              "inference-header-content-length": String(header.length),
              "x-timing": "true",
            },
      body: form === "json" ? jsonBody : new Uint8Array(binaryBody),
    });
    if (response.status !== 200) throw new Error(`${form}: ${response.status} ${await response.text()}`);
    let doubled: ArrayLike<number>;
    if (form === "json") {
      const answer = (await response.json()) as { outputs: Array<{ name: string; data: number[] }> };
      doubled = answer.outputs.find((output) => output.name === "doubled")!.data;
    } else {
      const bytes = Buffer.from(await response.arrayBuffer());
      const headerLength = Number(response.headers.get("inference-header-content-length"));
      const answer = JSON.parse(bytes.toString("utf8", 0, headerLength)) as {
        outputs: Array<{ name: string; parameters: { binary_data_size: number } }>;
      };
      let at = headerLength;
      doubled = new Float32Array(0);
      for (const output of answer.outputs) {
        const size = output.parameters.binary_data_size;
        if (output.name === "doubled")
          doubled = new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + size));
        at += size;
      }
    }
    return { ms: performance.now() - started, doubled, timing: response.headers.get("server-timing") ?? "" };
  };

  // Warm-up: the session loads, both paths run once; the answers must agree with each other and the model.
  const [warmJson, warmBinary] = [await send("json"), await send("binary")];
  for (let i = 0; i < VALUES; i += 9973)
    if (
      warmJson.doubled[i] !== warmBinary.doubled[i] ||
      warmBinary.doubled[i] !== Math.fround(values[i]! * 2)
    )
      throw new Error(
        `the answers differ at ${i}: json ${warmJson.doubled[i]}, binary ${warmBinary.doubled[i]}`,
      );

  const times = { json: [] as number[], binary: [] as number[] };
  const lastTiming = { json: "", binary: "" };
  console.log(
    `${os.cpus().length} cores, Node ${process.version}, load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `bodies: JSON ${(jsonBody.length / 1e6).toFixed(1)} MB, binary ${(binaryBody.length / 1e6).toFixed(1)} MB`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    const order: Array<"json" | "binary"> =
      round % 2 === 0 ? ["json", "binary", "binary", "json"] : ["binary", "json", "json", "binary"];
    for (const form of order) {
      const { ms, timing } = await send(form);
      times[form].push(ms);
      lastTiming[form] = timing;
    }
    console.log(
      `round ${round + 1}: json ${times.json.slice(-2).map(format).join(", ")} ms; binary ${times.binary.slice(-2).map(format).join(", ")} ms`,
    );
  }
  const [json, binary] = [median(times.json), median(times.binary)];
  console.log(
    `median end to end: json ${format(json)} ms, binary ${format(binary)} ms; json/binary ${(json / binary).toFixed(2)}x`,
  );
  console.log(
    `server-timing (last round): json ${lastTiming.json}\n                           binary ${lastTiming.binary}`,
  );
  console.log(
    `load average after ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}`,
  );
} finally {
  await stopNodeProcess(gateway);
  await stopNodeProcess(worker);
  await stack.tearDown();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function format(ms: number): string {
  return ms.toFixed(0);
}
