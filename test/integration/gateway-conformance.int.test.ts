import net from "node:net";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { V2InferResponse } from "@/server/domain/inference/v2-responses";
import { MAX_DISCARDED_BODY_BYTES } from "@/server/gateway/answer-oversized-body";
import type { startGateway } from "@/server/gateway/start-gateway";
import { getRedis } from "@/server/redis";
import { halfBitsToFloat } from "@/server/domain/inference/float16";
import { dynamicWidthModel, fixedBatchOneModel, nonFiniteModel } from "@/test/fixtures/odd-models";
import { startLocalGateway, startServingStack } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// The last conformance gaps of issue 12, through the real gateway and a real serving worker:
// zero-sized dimensions, NaN and infinities, bodies over the limit, trailing slashes and bodies
// that are not JSON. Expected values come from onnxruntime-node run directly on the same models.

const api = callerFor();
const MODELS = {
  "dynamic-width": dynamicWidthModel,
  "non-finite": nonFiniteModel,
  "fixed-batch": fixedBatchOneModel,
};
const sessions: Record<string, ort.InferenceSession> = {};
let stack: Awaited<ReturnType<typeof startServingStack>>;
let url: string;

beforeAll(async () => {
  for (const [name, build] of Object.entries(MODELS)) {
    await api.model.create({ name });
    await api.modelVersion.upload(uploadForm({ modelName: name, file: build() }));
    await api.deployment.create({ name, modelName: name, versionNumber: 1 });
    sessions[name] = await ort.InferenceSession.create(build());
  }
  stack = await startServingStack({ hostName: "conformance-host" });
  url = stack.gateway.url;
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all(Object.values(sessions).map((session) => session.release()));
  await getRedis().quit();
});

interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

async function post(route: string, body: unknown, contentType = "application/json") {
  const response = await fetch(`${url}${route}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as V2InferResponse & { error?: string } };
}

const tensor = (shape: number[], data: unknown[]): Tensor => ({ name: "x", datatype: "FP32", shape, data });

/** JSON's spelling of a float, as the protocol doc gives it: non-finite values as strings, -0 as 0. */
const asJson = (value: number) =>
  Number.isFinite(value) ? value + 0 : Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";

/** What onnxruntime-node's session.run gives for x, as the V2 outputs it should be served as. */
async function direct(model: string, shape: number[], values: number[]): Promise<Tensor[]> {
  const produced = await sessions[model]!.run({
    x: new ort.Tensor("float32", Float32Array.from(values), shape),
  });
  return sessions[model]!.outputNames.map((name) => {
    const out = produced[name]!;
    const datatype = { float32: "FP32", float64: "FP64", float16: "FP16" }[out.type as string]!;
    const numbers =
      out.type === "float16"
        ? Array.from(out.data as Uint16Array, halfBitsToFloat)
        : Array.from(out.data as Float32Array);
    return { name, datatype, shape: [...out.dims], data: numbers.map(asJson) };
  });
}

describe("zero-sized dimensions", () => {
  it.each([
    ["no rows", [0, 3]],
    ["rows of zero width", [2, 0]],
    ["no rows of zero width", [0, 0]],
  ])("%s %j: served as onnxruntime runs it", async (_, shape) => {
    const answer = await post("/v2/models/dynamic-width/infer", { inputs: [tensor(shape, [])] });
    expect(answer.status).toBe(200);
    expect(answer.body.outputs).toEqual(await direct("dynamic-width", shape, []));
  });

  it("nested data of empty rows is the same tensor", async () => {
    const answer = await post("/v2/models/dynamic-width/infer", { inputs: [tensor([2, 0], [[], []])] });
    expect(answer.body.outputs).toEqual(await direct("dynamic-width", [2, 0], []));
  });

  it("a zero-row request among concurrent ones: every answer is its own onnxruntime run's", async () => {
    const rows = (count: number, seed: number) =>
      Array.from({ length: count * 3 }, (_, i) => Math.round(Math.sin(seed * 13 + i) * 100) / 10);
    const requests = [3, 0, 2, 0, 5, 1].map((count, seed) => ({
      shape: [count, 3],
      values: rows(count, seed),
    }));
    // Sent in one turn of the event loop: the gateway puts them in one job, the worker merges.
    const answers = await Promise.all(
      requests.map(({ shape, values }) =>
        post("/v2/models/dynamic-width/infer", { inputs: [tensor(shape, values)] }),
      ),
    );
    for (const [index, { shape, values }] of requests.entries()) {
      expect(answers[index]!.status).toBe(200);
      expect(answers[index]!.body.outputs).toEqual(await direct("dynamic-width", shape, values));
    }
  });

  it("a fixed dimension given zero is still refused, naming it", async () => {
    const answer = await post("/v2/models/fixed-batch/infer", { inputs: [tensor([0, 4], [])] });
    expect({ status: answer.status, error: answer.body.error }).toEqual({
      status: 400,
      error: "input 'x': shape [0, 4] does not match the model's [1, 4] (dimension 0 must be 1)",
    });
  });
});

describe("NaN and infinities", () => {
  it('come back as "NaN", "Infinity" and "-Infinity" in FP16, FP32 and FP64 outputs, never null', async () => {
    const values = [0, -1, 1, 2, -2, 0.5, 1e-45, 3];
    const answer = await post("/v2/models/non-finite/infer", { inputs: [tensor([2, 4], values)] });
    expect(answer.status).toBe(200);
    expect(answer.text).not.toContain("null");
    const expected = await direct("non-finite", [2, 4], values);
    expect(answer.body.outputs).toEqual(expected);
    // What the model makes of 0 and -1, as the protocol doc spells it.
    expect(expected.find((output) => output.name === "log")!.data.slice(0, 2)).toEqual(["-Infinity", "NaN"]);
    expect(expected.find((output) => output.name === "inverse")!.data[0]).toBe("Infinity");
  });

  it("are accepted in inputs spelled the same way", async () => {
    const sent = ["NaN", "Infinity", "-Infinity", 4];
    const answer = await post("/v2/models/non-finite/infer", { inputs: [tensor([1, 4], sent)] });
    expect(answer.status).toBe(200);
    expect(answer.body.outputs).toEqual(
      await direct("non-finite", [1, 4], [Number.NaN, Infinity, -Infinity, 4]),
    );
  });

  it("any other spelling is refused, naming the accepted ones", async () => {
    const answer = await post("/v2/models/non-finite/infer", { inputs: [tensor([1, 4], [1, "nan", 2, 3])] });
    expect({ status: answer.status, error: answer.body.error }).toEqual({
      status: 400,
      error:
        'input \'x\': element [0, 1] (flat index 1) is the string "nan"; FP32 elements must be numbers (a NaN or infinite FP32 element is sent as the string "NaN", "Infinity" or "-Infinity")',
    });
  });
});

describe("trailing slashes", () => {
  const get = async (route: string) => {
    const response = await fetch(`${url}${route}`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it("are served as the route without them", async () => {
    for (const route of [
      "/v2",
      "/v2/models/dynamic-width",
      "/v2/models/dynamic-width/versions/1",
      "/v2/health/live",
    ]) {
      const canonical = await get(route);
      expect(canonical.status).toBe(200);
      expect(await get(`${route}/`)).toEqual(canonical);
    }
    const body = { inputs: [tensor([1, 2], [1, 2])] };
    const canonical = await post("/v2/models/dynamic-width/infer", body);
    expect(canonical.status).toBe(200);
    for (const route of ["/v2/models/dynamic-width/infer/", "/v2/models/dynamic-width/versions/1/infer/"])
      expect((await post(route, body)).body).toEqual(canonical.body);
  });
});

describe("bodies that are not JSON", () => {
  const accepted =
    "send application/json, or application/octet-stream with an Inference-Header-Content-Length header (binary tensor data)";

  it("text/plain gets 415 naming the accepted content type, even when it holds valid JSON", async () => {
    const body = JSON.stringify({ inputs: [tensor([1, 2], [1, 2])] });
    const answer = await post("/v2/models/dynamic-width/infer", body, "text/plain");
    expect({ status: answer.status, error: answer.body.error }).toEqual({
      status: 415,
      error: `content-type 'text/plain' is not supported; ${accepted}`,
    });
  });

  it("a body without a content type gets 415 too", async () => {
    const response = await fetch(`${url}/v2/models/dynamic-width/infer`, {
      method: "POST",
      body: new TextEncoder().encode('{"inputs": []}'),
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 415,
      body: { error: `the body has no content-type; ${accepted}` },
    });
  });
});

describe("bodies over the limit", () => {
  const LIMIT_BYTES = 64 * 1024;
  const BODY_BYTES = 16 * 1024 * 1024;
  let small: Awaited<ReturnType<typeof startGateway>>;
  let port: number;

  beforeAll(async () => {
    small = await startLocalGateway({
      GATEWAY_MAX_BODY_BYTES: LIMIT_BYTES,
    });
    port = Number(new URL(small.url).port);
  });
  afterAll(() => small?.close());

  const expected413 = JSON.stringify({ error: `the body is over the ${LIMIT_BYTES} byte limit` });

  it.each([
    ["with a content-length", false],
    ["chunked", true],
  ])(
    "%s: a client writing the whole body as fast as it can always reads the 413, with no write error",
    async (_, chunked) => {
      for (let i = 0; i < 20; i++) {
        const end = await flood(port, BODY_BYTES, chunked);
        expect(end).toMatchObject({ error: null, sentBytes: BODY_BYTES });
        expect(end.answer).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
        expect(end.answer).toMatch(/\r\nconnection: close\r\n/i);
        expect(end.answer.split("\r\n\r\n")[1]).toBe(expected413);
      }
    },
  );

  it("fetch gets the 413 every time", async () => {
    const body = new Uint8Array(BODY_BYTES).fill(0x31);
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${small.url}/v2/models/dynamic-width/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect({ status: response.status, body: await response.text() }).toEqual({
        status: 413,
        body: expected413,
      });
    }
  });

  it("a body far past the discard bound is cut off rather than read to its end", async () => {
    const end = await flood(port, 2 * MAX_DISCARDED_BODY_BYTES, false);
    expect(end.sentBytes < 2 * MAX_DISCARDED_BODY_BYTES || end.error !== null).toBe(true);
  });
});

interface FloodEnd {
  answer: string;
  error: string | null;
  sentBytes: number;
}

/**
 * POSTs `bodyBytes` of body, written as fast as the socket takes it and to its end whatever comes
 * back (half-open, as a client that reads only once it has sent all); resolves once the socket closes.
 */
function flood(port: number, bodyBytes: number, chunked: boolean): Promise<FloodEnd> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const piece = Buffer.alloc(256 * 1024, 0x31);
    const end: FloodEnd = { answer: "", error: null, sentBytes: 0 };
    socket.on("data", (data: Buffer) => (end.answer += data.toString("latin1")));
    socket.on("error", (error: NodeJS.ErrnoException) => (end.error = error.code ?? error.message));
    socket.on("close", () => resolve(end));
    socket.on("connect", () => {
      socket.write(
        "POST /v2/models/dynamic-width/infer HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n" +
          (chunked ? "transfer-encoding: chunked\r\n" : `content-length: ${bodyBytes}\r\n`) +
          "\r\n",
      );
      const pump = () => {
        while (end.sentBytes < bodyBytes && !socket.destroyed) {
          const chunk = piece.subarray(0, Math.min(piece.length, bodyBytes - end.sentBytes));
          end.sentBytes += chunk.length;
          const framed = chunked
            ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")])
            : chunk;
          if (!socket.write(framed)) return void socket.once("drain", pump);
        }
        if (socket.destroyed) return;
        if (chunked) socket.end("0\r\n\r\n");
        else socket.end();
      };
      pump();
    });
  });
}
