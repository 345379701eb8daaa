import http from "node:http";
import type { AddressInfo } from "node:net";
import * as ort from "onnxruntime-node";

/**
 * Baseline (b) of bench/serving.ts: the least a server can do per request. A bare node:http
 * server with one InferenceSession on its own thread; each request is read, JSON.parse'd (the same
 * v2 body the gateway takes), run alone (no batching, no validation beyond what onnxruntime does)
 * and answered as a v2 JSON response. Run as its own process:
 * `BARE_MODEL_PATH=... BARE_MODEL_NAME=... node --import tsx bench/bare-server.ts`.
 */

interface V2Input {
  name: string;
  shape: number[];
  data: number[];
}

const DATATYPE: Record<string, string> = {
  float32: "FP32",
  float64: "FP64",
  int64: "INT64",
  int32: "INT32",
  bool: "BOOL",
};

const modelPath = process.env.BARE_MODEL_PATH!;
const modelName = process.env.BARE_MODEL_NAME ?? "model";
const session = await ort.InferenceSession.create(modelPath, {
  graphOptimizationLevel: "all",
  executionProviders: ["cpu"],
});

async function answer(raw: Buffer): Promise<string> {
  const body = JSON.parse(raw.toString("utf8")) as { id?: string; inputs: V2Input[] };
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of body.inputs)
    feeds[input.name] = new ort.Tensor(
      "float32",
      Float32Array.from(input.data.flat(Infinity) as number[]),
      input.shape,
    );
  const produced = await session.run(feeds);
  const outputs = Object.entries(produced).map(([name, tensor]) => ({
    name,
    datatype: DATATYPE[tensor.type] ?? tensor.type,
    shape: tensor.dims,
    data: Array.from(tensor.data as ArrayLike<number | bigint>, Number),
  }));
  return JSON.stringify({
    model_name: modelName,
    model_version: "1",
    ...(body.id !== undefined && { id: body.id }),
    outputs,
  });
}

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    answer(Buffer.concat(chunks)).then(
      (text) =>
        response
          .writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
          .end(text),
      (error: Error) =>
        response
          .writeHead(400, { "content-type": "application/json" })
          .end(JSON.stringify({ error: error.message })),
    );
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
console.log(`bare server listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
