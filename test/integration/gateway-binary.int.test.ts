import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { V2_DATATYPE_BY_ELEMENT_TYPE, type WireTensor } from "@/server/domain/inference/datatypes";
import type { V2InferResponse } from "@/server/domain/inference/v2-responses";
import type { startGateway } from "@/server/gateway/start-gateway";
import { getRedis } from "@/server/redis";
import { EVERY_ELEMENT_TYPE, everyDatatypeModel, multiOutputModel } from "@/test/fixtures/odd-models";
import {
  binaryRequest,
  decodeBinaryAnswer,
  tensorBytes,
  type RequestInput,
} from "@/test/support/binary-tensors";
import { startLocalGateway, startServingStack } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// The binary tensor data extension of the KServe v2 / Triton HTTP protocol through the real
// gateway and a real serving worker: binary requests and answers carry the same values as JSON.

const api = callerFor();
let stack: Awaited<ReturnType<typeof startServingStack>>;
let url: string;

beforeAll(async () => {
  for (const [name, build] of [
    ["every-datatype", everyDatatypeModel],
    ["multi-output", multiOutputModel],
  ] as const) {
    await api.model.create({ name });
    await api.modelVersion.upload(uploadForm({ modelName: name, file: build() }));
    await api.deployment.create({ name, modelName: name, versionNumber: 1 });
  }
  stack = await startServingStack({ hostName: "binary-host" });
  url = stack.gateway.url;
});

afterAll(async () => {
  await stack?.stop();
  await getRedis().quit();
});

/** Two rows of two elements per datatype, at the edges of each type, non-finite floats included. */
const VALUES: Record<string, WireTensor["data"]> = {
  bool: [true, false, false, true],
  uint8: [0, 1, 254, 255],
  int8: [-128, -1, 0, 127],
  uint16: [0, 1, 65_534, 65_535],
  int16: [-32_768, -1, 0, 32_767],
  uint32: [0, 1, 4_294_967_294, 4_294_967_295],
  int32: [-2_147_483_648, -1, 0, 2_147_483_647],
  uint64: [0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER],
  int64: [-Number.MAX_SAFE_INTEGER, -1, 0, Number.MAX_SAFE_INTEGER],
  float16: [0.5, -2, 65_504, "-Infinity"],
  float32: [0.25, -1.5, "NaN", 3.4028234663852886e38],
  float64: [0.1, -1e300, 5e-324, "Infinity"],
  string: ["", "cat", "naïve ☕", "x".repeat(300)],
};

/** Every input, the ones whose index passes `binary` in the binary section. */
const everyInput = (binary: (index: number) => boolean): RequestInput[] =>
  EVERY_ELEMENT_TYPE.map((type, index) => ({
    name: `${type}_in`,
    datatype: V2_DATATYPE_BY_ELEMENT_TYPE[type],
    shape: [2, 2],
    data: VALUES[type]!,
    binary: binary(index),
  }));

async function postJson(route: string, body: unknown) {
  const response = await fetch(`${url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as V2InferResponse & { error?: string } };
}

async function postBinary(
  route: string,
  { body, headerLength }: { body: Buffer; headerLength: number | string | null },
  contentType = "application/octet-stream",
) {
  const headers: Record<string, string> = { "content-type": contentType };
  if (headerLength !== null) headers["inference-header-content-length"] = String(headerLength);
  const response = await fetch(`${url}${route}`, { method: "POST", headers, body: new Uint8Array(body) });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    headerLength: response.headers.get("inference-header-content-length"),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

/** The answer's outputs, wherever each came (JSON or the binary section). */
function answerOf(answer: Awaited<ReturnType<typeof postBinary>>) {
  expect(answer.status).toBe(200);
  if (answer.headerLength === null) {
    expect(answer.contentType).toMatch(/^application\/json/);
    const body = JSON.parse(answer.body.toString()) as V2InferResponse;
    return { outputs: body.outputs, binaryNames: [] as string[] };
  }
  expect(answer.contentType).toBe("application/octet-stream");
  return decodeBinaryAnswer(answer.body, Number(answer.headerLength));
}

describe("the server metadata", () => {
  it("lists the binary tensor data extension", async () => {
    const body = (await (await fetch(`${url}/v2`)).json()) as { extensions: string[] };
    expect(body.extensions).toContain("binary_tensor_data");
  });
});

describe("binary requests and answers give the values JSON gives", () => {
  let json: V2InferResponse;

  beforeAll(async () => {
    const answer = await postJson("/v2/models/every-datatype/infer", {
      inputs: everyInput(() => false).map(({ binary: _, ...tensor }) => tensor),
    });
    expect(answer.status).toBe(200);
    json = answer.body;
  });

  it("the JSON answer is the inputs, through the Identity model", () => {
    expect(json.outputs.map((output) => output.data)).toEqual(EVERY_ELEMENT_TYPE.map((type) => VALUES[type]));
  });

  it.each([
    ["every input binary", () => true],
    ["the even inputs binary, the odd ones JSON", (index: number) => index % 2 === 0],
    ["the odd inputs binary, the even ones JSON", (index: number) => index % 2 === 1],
  ])("%s, every output binary (binary_data_output)", async (_, binary) => {
    const answer = answerOf(
      await postBinary(
        "/v2/models/every-datatype/infer",
        binaryRequest({ parameters: { binary_data_output: true } }, everyInput(binary)),
      ),
    );
    expect(answer.binaryNames).toEqual(json.outputs.map((output) => output.name));
    expect(answer.outputs).toEqual(json.outputs);
  });

  it("binary inputs, JSON answer when no output asks for binary", async () => {
    const answer = answerOf(
      await postBinary(
        "/v2/models/every-datatype/infer",
        binaryRequest(
          {},
          everyInput(() => true),
        ),
      ),
    );
    expect(answer.binaryNames).toEqual([]);
    expect(answer.outputs).toEqual(json.outputs);
  });

  it("binary_data per output, overriding binary_data_output, in the order the outputs are asked", async () => {
    const asked = ["string_out", "float16_out", "bool_out", "uint64_out"];
    const outputs = asked.map((name, index) => ({ name, parameters: { binary_data: index !== 1 } }));
    const answer = answerOf(
      await postBinary(
        "/v2/models/every-datatype/infer",
        binaryRequest(
          { parameters: { binary_data_output: true }, outputs },
          everyInput((i) => i < 6),
        ),
      ),
    );
    expect(answer.binaryNames).toEqual(["string_out", "bool_out", "uint64_out"]);
    expect(answer.outputs).toEqual(asked.map((name) => json.outputs.find((output) => output.name === name)));
  });

  it("a JSON body may ask for binary outputs", async () => {
    const response = await fetch(`${url}/v2/models/multi-output/infer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        inputs: [{ name: "x", datatype: "FP32", shape: [2, 3], data: [1, 5, 2, -1, -3, -2] }],
        outputs: [{ name: "total" }, { name: "argmax", parameters: { binary_data: true } }],
      }),
    });
    const answer = answerOf({
      status: response.status,
      contentType: response.headers.get("content-type"),
      headerLength: response.headers.get("inference-header-content-length"),
      body: Buffer.from(await response.arrayBuffer()),
    });
    expect(answer.binaryNames).toEqual(["argmax"]);
    const jsonAnswer = await postJson("/v2/models/multi-output/infer", {
      inputs: [{ name: "x", datatype: "FP32", shape: [2, 3], data: [1, 5, 2, -1, -3, -2] }],
    });
    expect(answer.outputs).toEqual(jsonAnswer.body.outputs);
  });

  it("concurrent binary and JSON requests, merged into runs by the worker, each get their own values", async () => {
    const rows = (count: number, seed: number) =>
      Array.from({ length: count * 3 }, (_, i) => Math.round(Math.sin(seed * 7 + i) * 1000) / 8);
    const requests = [1, 3, 2, 4, 1, 2].map((count, seed) => ({
      name: "x",
      datatype: "FP32" as const,
      shape: [count, 3],
      data: rows(count, seed),
    }));
    const [binaryAnswers, jsonAnswers] = await Promise.all([
      Promise.all(
        requests.map((tensor) =>
          postBinary(
            "/v2/models/multi-output/infer",
            binaryRequest({ parameters: { binary_data_output: true } }, [{ ...tensor, binary: true }]),
          ),
        ),
      ),
      Promise.all(requests.map((tensor) => postJson("/v2/models/multi-output/infer", { inputs: [tensor] }))),
    ]);
    requests.forEach((_, index) => {
      expect(jsonAnswers[index]!.status).toBe(200);
      expect(answerOf(binaryAnswers[index]!).outputs).toEqual(jsonAnswers[index]!.body.outputs);
    });
  });
});

describe("asynchronous inference (prefer: respond-async)", () => {
  it("a binary task's answer is the synchronous binary answer, byte for byte", async () => {
    const request = binaryRequest(
      { parameters: { binary_data_output: true } },
      everyInput((i) => i % 3 !== 0),
    );
    const headers = {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(request.headerLength),
    };
    const route = `${url}/v2/models/every-datatype/infer`;
    const sync = await fetch(route, { method: "POST", headers, body: new Uint8Array(request.body) });
    const accepted = await fetch(route, {
      method: "POST",
      headers: { ...headers, prefer: "respond-async" },
      body: new Uint8Array(request.body),
    });
    expect(accepted.status).toBe(202);
    const location = accepted.headers.get("location")!;
    let done = await fetch(`${url}${location}`);
    for (let attempt = 0; done.status === 202 && attempt < 100; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      done = await fetch(`${url}${location}`);
    }
    expect(done.status).toBe(200);
    for (const name of ["content-type", "inference-header-content-length"])
      expect(done.headers.get(name)).toBe(sync.headers.get(name));
    expect(Buffer.from(await done.arrayBuffer())).toEqual(Buffer.from(await sync.arrayBuffer()));
  });
});

describe("bad binary bodies get 400 naming the problem", () => {
  const route = "/v2/models/multi-output/infer";
  const x = (binarySize: number) => ({
    inputs: [{ name: "x", datatype: "FP32", shape: [1, 3], parameters: { binary_data_size: binarySize } }],
  });
  const withSection = (header: object, section: Buffer) => {
    const json = Buffer.from(JSON.stringify(header));
    return { body: Buffer.concat([json, section]), headerLength: json.length };
  };
  const errorOf = async (body: { body: Buffer; headerLength: number | string | null }) => {
    const answer = await postBinary(route, body);
    return { status: answer.status, error: (JSON.parse(answer.body.toString()) as { error: string }).error };
  };

  it.each([
    [
      "a size that does not match the shape and datatype",
      withSection(x(8), Buffer.alloc(8)),
      "input 'x': binary_data_size is 8 bytes but 3 FP32 elements take 12",
    ],
    [
      "bytes after the last tensor's",
      withSection(x(12), Buffer.alloc(16)),
      "the binary section has 4 bytes after the last binary input's; the inputs' binary_data_size must add up to its 16 bytes",
    ],
    [
      "a tensor that runs past the body",
      withSection(x(12), Buffer.alloc(4)),
      "input 'x': binary_data_size 12 runs past the end of the binary section (4 bytes left)",
    ],
    [
      "a header length beyond the body",
      { body: Buffer.from('{"inputs":[]}'), headerLength: 100 },
      "Inference-Header-Content-Length is 100 but the body has only 13 bytes",
    ],
    [
      "no Inference-Header-Content-Length",
      { body: Buffer.from('{"inputs":[]}'), headerLength: null },
      "a application/octet-stream body needs an Inference-Header-Content-Length header giving the length of its JSON header",
    ],
    [
      "binary_data_size on a tensor that also has data",
      withSection({ inputs: [{ ...x(12).inputs[0], data: [1, 2, 3] }] }, tensorBytes("FP32", [1, 2, 3])),
      "input 'x' has both data and parameters.binary_data_size; send its elements in one of them",
    ],
  ])("%s", async (_, body, error) => {
    expect(await errorOf(body)).toEqual({ status: 400, error });
  });

  it("a BYTES element whose length runs past its tensor", async () => {
    const section = Buffer.concat([tensorBytes("BYTES", ["ab"]), Buffer.from([9, 0, 0, 0, 0x63])]);
    const header = {
      inputs: EVERY_ELEMENT_TYPE.map((type) =>
        type === "string"
          ? {
              name: "string_in",
              datatype: "BYTES",
              shape: [1, 2],
              parameters: { binary_data_size: section.length },
            }
          : {
              name: `${type}_in`,
              datatype: V2_DATATYPE_BY_ELEMENT_TYPE[type],
              shape: [1, 2],
              data: VALUES[type]!.slice(0, 2),
            },
      ),
    };
    const answer = await postBinary("/v2/models/every-datatype/infer", withSection(header, section));
    expect({ status: answer.status, body: JSON.parse(answer.body.toString()) as unknown }).toEqual({
      status: 400,
      body: {
        error: "input 'string_in': element 1 is 9 bytes long but only 1 of its binary_data_size remain",
      },
    });
  });

  it("a binary body on a route that reads JSON only is 415", async () => {
    const answer = await postBinary("/v2/models/multi-output/feedback", withSection(x(12), Buffer.alloc(12)));
    expect(answer.status).toBe(415);
  });

  it("any other content type is still 415, naming both accepted forms", async () => {
    const answer = await postBinary(route, withSection(x(12), Buffer.alloc(12)), "application/x-protobuf");
    expect({ status: answer.status, body: JSON.parse(answer.body.toString()) as unknown }).toEqual({
      status: 415,
      body: {
        error:
          "content-type 'application/x-protobuf' is not supported; send application/json, or application/octet-stream with an Inference-Header-Content-Length header (binary tensor data)",
      },
    });
  });
});

describe("the body limit", () => {
  const LIMIT_BYTES = 4 * 1024;
  let small: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    small = await startLocalGateway({
      GATEWAY_MAX_BODY_BYTES: LIMIT_BYTES,
    });
  });
  afterAll(() => small?.close());

  const post = async (values: number) => {
    const tensor = {
      name: "x",
      datatype: "FP32" as const,
      shape: [values / 3, 3],
      data: new Array<number>(values).fill(0.5),
    };
    const { body, headerLength } = binaryRequest({}, [{ ...tensor, binary: true }]);
    const response = await fetch(`${small.url}/v2/models/multi-output/infer`, {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(headerLength),
      },
      body: new Uint8Array(body),
    });
    return { bytes: body.length, status: response.status, body: await response.text() };
  };

  it("applies to the whole binary body, header and section: 413 past it", async () => {
    const under = await post(900);
    expect(under.bytes).toBeLessThan(LIMIT_BYTES);
    expect(under.status).toBe(200);
    const over = await post(1200);
    expect(over.bytes).toBeGreaterThan(LIMIT_BYTES);
    expect(over).toEqual({
      bytes: over.bytes,
      status: 413,
      body: JSON.stringify({ error: `the body is over the ${LIMIT_BYTES} byte limit` }),
    });
  });
});
