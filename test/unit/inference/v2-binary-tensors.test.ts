import { describe, expect, it } from "vitest";
import { toWireTensor, type V2Datatype, type WireTensor } from "@/server/domain/inference/datatypes";
import {
  decodeBinaryTensor,
  encodeBinaryResponse,
  encodeBinaryTensor,
  splitBinaryBody,
} from "@/server/domain/inference/v2-binary-tensors";
import { parseInferRequest } from "@/server/domain/inference/v2-infer-request";
import type { ElementType, Signature } from "@/server/domain/signature";
import { appErrorOf } from "../feature-set/app-error-of";

const LIMITS = { maxBatchRows: 64 };

/** One tensor of each datatype, two rows of two, with the values at the edges of each type. */
const EVERY_DATATYPE: Array<[ElementType, V2Datatype, WireTensor["data"]]> = [
  ["bool", "BOOL", [true, false, false, true]],
  ["uint8", "UINT8", [0, 1, 254, 255]],
  ["int8", "INT8", [-128, -1, 0, 127]],
  ["uint16", "UINT16", [0, 1, 65_534, 65_535]],
  ["int16", "INT16", [-32_768, -1, 0, 32_767]],
  ["uint32", "UINT32", [0, 1, 4_294_967_294, 4_294_967_295]],
  ["int32", "INT32", [-2_147_483_648, -1, 0, 2_147_483_647]],
  ["uint64", "UINT64", [0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER]],
  ["int64", "INT64", [-Number.MAX_SAFE_INTEGER, -1, 0, Number.MAX_SAFE_INTEGER]],
  ["float16", "FP16", [0.5, -2, 65_504, "Infinity"]],
  ["float32", "FP32", [0.25, -1.5, "NaN", "-Infinity"]],
  ["float64", "FP64", [0.1, -1e300, 5e-324, "Infinity"]],
  ["string", "BYTES", ["", "cat", "naïve ☕", "x".repeat(300)]],
];

const signatureOf = (inputs: Array<[string, ElementType]>): Signature => ({
  inputs: inputs.map(([name, elementType]) => ({ name, elementType, shape: ["batch", 2] })),
  outputs: [{ name: "y", elementType: "float32", shape: ["batch"] }],
});

/** A binary body: the JSON header, then the sections back to back. */
function binaryBody(header: object, sections: Uint8Array[]): { body: Uint8Array; headerLength: string } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(sections.reduce((total, bytes) => total + bytes.length, json.length));
  body.set(json);
  let at = json.length;
  for (const bytes of sections) {
    body.set(bytes, at);
    at += bytes.length;
  }
  return { body, headerLength: String(json.length) };
}

/** The request parsed from a binary body, its typed-array inputs read as JSON would spell them. */
const parseBinary = (signature: Signature, header: object, sections: Uint8Array[]) => {
  const { body, headerLength } = binaryBody(header, sections);
  const split = splitBinaryBody(body, headerLength);
  const parsed = parseInferRequest(split.header, signature, LIMITS, split.binary);
  return { ...parsed, inputs: parsed.inputs.map(toWireTensor) };
};

const refusal = (run: () => unknown) => {
  const error = appErrorOf(run);
  return { code: error.code, message: error.message };
};

describe("binary requests", () => {
  it.each(EVERY_DATATYPE)(
    "%s: parse to the same request as the same tensor in JSON",
    (type, datatype, data) => {
      const signature = signatureOf([["x", type]]);
      const tensor = { name: "x", datatype, shape: [2, 2], data };
      const fromJson = parseInferRequest({ inputs: [tensor] }, signature, LIMITS);
      const bytes = encodeBinaryTensor(tensor);
      const header = {
        inputs: [{ name: "x", datatype, shape: [2, 2], parameters: { binary_data_size: bytes.length } }],
      };
      expect(parseBinary(signature, header, [bytes])).toEqual(fromJson);
      expect(fromJson.inputs[0]!.data).toEqual(data);
    },
  );

  it("mixes JSON and binary inputs, the binary section in the order the header lists them", () => {
    const signature = signatureOf([
      ["a", "float32"],
      ["b", "int64"],
      ["c", "string"],
    ]);
    const a = { name: "a", datatype: "FP32" as const, shape: [1, 2], data: [1.5, -2] };
    const b = { name: "b", datatype: "INT64" as const, shape: [1, 2], data: [7, -9] };
    const c = { name: "c", datatype: "BYTES" as const, shape: [1, 2], data: ["dog", "bird"] };
    const fromJson = parseInferRequest({ id: "r1", inputs: [a, b, c] }, signature, LIMITS);
    const [bytesC, bytesA] = [encodeBinaryTensor(c), encodeBinaryTensor(a)];
    const binaryInput = (tensor: WireTensor, bytes: Uint8Array) => ({
      name: tensor.name,
      datatype: tensor.datatype,
      shape: tensor.shape,
      parameters: { binary_data_size: bytes.length },
    });
    // c comes before a in the header, so its bytes come first; b stays JSON between them.
    const header = { id: "r1", inputs: [binaryInput(c, bytesC), b, binaryInput(a, bytesA)] };
    expect(parseBinary(signature, header, [bytesC, bytesA])).toEqual(fromJson);
  });

  it("an empty binary section is fine when no input has binary data", () => {
    const signature = signatureOf([["x", "float32"]]);
    const body = { inputs: [{ name: "x", datatype: "FP32", shape: [1, 2], data: [1, 2] }] };
    expect(parseBinary(signature, body, [])).toEqual(parseInferRequest(body, signature, LIMITS));
  });

  it("keeps FP32 and FP64 bytes in typed arrays, never spelled out as numbers", () => {
    for (const [type, datatype, View] of [
      ["float32", "FP32", Float32Array],
      ["float64", "FP64", Float64Array],
    ] as const) {
      const bytes = encodeBinaryTensor({ datatype, data: [1.5, Number.NaN] });
      const header = {
        inputs: [{ name: "x", datatype, shape: [1, 2], parameters: { binary_data_size: bytes.length } }],
      };
      const { body, headerLength } = binaryBody(header, [bytes]);
      const split = splitBinaryBody(body, headerLength);
      const parsed = parseInferRequest(split.header, signatureOf([["x", type]]), LIMITS, split.binary);
      expect(parsed.inputs[0]!.data).toBeInstanceOf(View);
      expect(toWireTensor(parsed.inputs[0]!).data).toEqual([1.5, "NaN"]);
    }
  });

  it("reads elements at any offset of the body, aligned or not", () => {
    const data = [1, 2, 3, 4];
    const bytes = encodeBinaryTensor({ datatype: "FP64", data });
    // A header of each length mod 8 puts the section at each alignment.
    for (const padding of ["", " ", "  ", "   ", "    ", "     ", "      ", "       "]) {
      const header = {
        id: padding,
        inputs: [{ name: "x", datatype: "FP64", shape: [2, 2], parameters: { binary_data_size: 32 } }],
      };
      const parsed = parseBinary(signatureOf([["x", "float64"]]), header, [bytes]);
      expect(parsed.inputs[0]!.data).toEqual(data);
      // As the gateway gets it: a Node Buffer, itself a view into a larger buffer.
      const { body, headerLength } = binaryBody(header, [bytes]);
      const inPool = Buffer.concat([Buffer.alloc(3), body]).subarray(3);
      const split = splitBinaryBody(inPool, headerLength);
      const fromBuffer = parseInferRequest(
        split.header,
        signatureOf([["x", "float64"]]),
        LIMITS,
        split.binary,
      );
      expect(fromBuffer.inputs[0]!.data).toEqual(Float64Array.from(data));
    }
  });
});

describe("bad binary requests get 400 naming the tensor and the problem", () => {
  const signature = signatureOf([
    ["x", "float32"],
    ["w", "string"],
  ]);
  const w = { name: "w", datatype: "BYTES", shape: [1, 2], data: ["a", "b"] };
  const xBinary = (size: number) => ({
    name: "x",
    datatype: "FP32",
    shape: [1, 2],
    parameters: { binary_data_size: size },
  });
  const eightBytes = new Uint8Array(8);

  it.each([
    [
      "a size that is not the shape's elements times the datatype's",
      { inputs: [xBinary(4), w] },
      [new Uint8Array(4)],
      "input 'x': binary_data_size is 4 bytes but 2 FP32 elements take 8",
    ],
    [
      "binary data that runs past the section",
      { inputs: [xBinary(8), w] },
      [new Uint8Array(6)],
      "input 'x': binary_data_size 8 runs past the end of the binary section (6 bytes left)",
    ],
    [
      "bytes after the last binary input's",
      { inputs: [xBinary(8), w] },
      [eightBytes, new Uint8Array(3)],
      "the binary section has 3 bytes after the last binary input's; the inputs' binary_data_size must add up to its 11 bytes",
    ],
    [
      "binary_data_size on a tensor that also has data",
      { inputs: [{ ...xBinary(8), data: [1, 2] }, w] },
      [eightBytes],
      "input 'x' has both data and parameters.binary_data_size; send its elements in one of them",
    ],
    [
      "a binary_data_size that is not a byte count",
      { inputs: [xBinary(-1), w] },
      [],
      "input 'x': parameters.binary_data_size is -1; expected a non-negative integer of bytes",
    ],
    [
      "a BYTES element longer than what is left",
      {
        inputs: [
          { name: "x", datatype: "FP32", shape: [1, 2], data: [1, 2] },
          { name: "w", datatype: "BYTES", shape: [1, 2], parameters: { binary_data_size: 9 } },
        ],
      },
      [Uint8Array.of(1, 0, 0, 0, 0x61, 200, 0, 0, 0)],
      "input 'w': element 1 is 200 bytes long but only 0 of its binary_data_size remain",
    ],
    [
      "BYTES elements that end before their count",
      {
        inputs: [
          { name: "x", datatype: "FP32", shape: [1, 2], data: [1, 2] },
          { name: "w", datatype: "BYTES", shape: [1, 2], parameters: { binary_data_size: 5 } },
        ],
      },
      [Uint8Array.of(1, 0, 0, 0, 0x61)],
      "input 'w': binary_data_size 5 ends before element 1's 4-byte length (2 BYTES elements expected)",
    ],
    [
      "BYTES elements with bytes after them",
      {
        inputs: [
          { name: "x", datatype: "FP32", shape: [1, 2], data: [1, 2] },
          { name: "w", datatype: "BYTES", shape: [1, 2], parameters: { binary_data_size: 11 } },
        ],
      },
      [Uint8Array.of(1, 0, 0, 0, 0x61, 1, 0, 0, 0, 0x62, 0)],
      "input 'w': binary_data_size 11 has 1 bytes after its 2 BYTES elements",
    ],
    [
      "a binary_data_output that is not a boolean",
      { parameters: { binary_data_output: "yes" }, inputs: [xBinary(8), w] },
      [eightBytes],
      'parameters.binary_data_output is the string "yes"; expected true or false',
    ],
    [
      "a binary_data on an output that is not a boolean",
      { inputs: [xBinary(8), w], outputs: [{ name: "y", parameters: { binary_data: 1 } }] },
      [eightBytes],
      "output 'y': parameters.binary_data is 1; expected true or false",
    ],
  ])("%s", (_title, header, sections, message) => {
    expect(refusal(() => parseBinary(signature, header, sections))).toEqual({ code: "BAD_REQUEST", message });
  });

  it("a BOOL byte other than 0 or 1", () => {
    const header = {
      inputs: [{ name: "f", datatype: "BOOL", shape: [1, 2], parameters: { binary_data_size: 2 } }],
    };
    expect(refusal(() => parseBinary(signatureOf([["f", "bool"]]), header, [Uint8Array.of(1, 2)]))).toEqual({
      code: "BAD_REQUEST",
      message: "input 'f': element 1 is the byte 2; a BOOL element is 0 or 1",
    });
  });

  it("an INT64 past what a JSON number holds exactly, as JSON would be refused", () => {
    const header = {
      inputs: [{ name: "n", datatype: "INT64", shape: [1, 2], parameters: { binary_data_size: 16 } }],
    };
    const bytes = new Uint8Array(BigInt64Array.of(1n, 2n ** 60n).buffer);
    expect(refusal(() => parseBinary(signatureOf([["n", "int64"]]), header, [bytes])).message).toBe(
      "input 'n': element [0, 1] (flat index 1) is 1152921504606847000, outside INT64's range -9007199254740991..9007199254740991 (what a JSON number holds exactly)",
    );
  });

  it("invalid UTF-8 in a BYTES element", () => {
    expect(refusal(() => decodeBinaryTensor(Uint8Array.of(1, 0, 0, 0, 0xff), "BYTES", 1, "w"))).toEqual({
      code: "BAD_REQUEST",
      message: "input 'w': element 0 is not valid UTF-8; BYTES elements are text",
    });
  });

  it.each([
    [
      "no Inference-Header-Content-Length",
      undefined,
      "a application/octet-stream body needs an Inference-Header-Content-Length header giving the length of its JSON header",
    ],
    [
      "a header length that is not a number",
      "12a",
      "Inference-Header-Content-Length is '12a'; expected the JSON header's length in bytes",
    ],
    [
      "a header length beyond the body",
      "400",
      "Inference-Header-Content-Length is 400 but the body has only 20 bytes",
    ],
    [
      "a header length that cuts the JSON short",
      "5",
      "the body's first 5 bytes (Inference-Header-Content-Length) are not valid JSON",
    ],
  ])("%s", (_title, headerLength, message) => {
    const body = new TextEncoder().encode('{"inputs":[]}0123456');
    expect(refusal(() => splitBinaryBody(body, headerLength))).toEqual({ code: "BAD_REQUEST", message });
  });
});

describe("binary responses", () => {
  const outputs: WireTensor[] = [
    { name: "total", datatype: "FP32", shape: [2], data: [1.5, "NaN"] },
    { name: "argmax", datatype: "INT64", shape: [2], data: [2, 0] },
    { name: "word", datatype: "BYTES", shape: [1], data: ["ok"] },
  ];
  const response = { model_name: "m", model_version: "1", outputs };
  const decodeResponse = ({ body, headerLength }: { body: Uint8Array; headerLength: number }) => {
    const header = JSON.parse(new TextDecoder().decode(body.subarray(0, headerLength))) as {
      model_name: string;
      outputs: Array<WireTensor & { parameters?: { binary_data_size: number } }>;
    };
    let at = headerLength;
    const decoded = header.outputs.map((output) => {
      const size = output.parameters?.binary_data_size;
      if (size === undefined) return output;
      const count = output.shape.reduce((n, dim) => n * dim, 1);
      const data = decodeBinaryTensor(body.slice(at, at + size), output.datatype, count, output.name);
      at += size;
      return { name: output.name, datatype: output.datatype, shape: output.shape, data };
    });
    expect(at).toBe(body.length);
    return { header, decoded };
  };

  it("every output binary with binary_data_output, with the same values as JSON", () => {
    const encoded = encodeBinaryResponse(response, { all: true, byName: new Map() })!;
    const { header, decoded } = decodeResponse(encoded);
    expect(header.outputs.map((output) => [output.name, output.data, output.parameters])).toEqual([
      ["total", undefined, { binary_data_size: 8 }],
      ["argmax", undefined, { binary_data_size: 16 }],
      ["word", undefined, { binary_data_size: 6 }],
    ]);
    expect(header.model_name).toBe("m");
    expect(decoded).toEqual(outputs);
  });

  it("binary_data per output overrides binary_data_output; the others stay JSON", () => {
    const encoded = encodeBinaryResponse(response, { all: true, byName: new Map([["argmax", false]]) })!;
    const { header, decoded } = decodeResponse(encoded);
    expect(header.outputs[1]).toEqual(outputs[1]);
    expect(decoded).toEqual(outputs);
    const one = decodeResponse(
      encodeBinaryResponse(response, { all: false, byName: new Map([["word", true]]) })!,
    );
    expect(one.header.outputs.slice(0, 2)).toEqual(outputs.slice(0, 2));
    expect(one.decoded).toEqual(outputs);
  });

  it("is null when every output stays JSON", () => {
    expect(encodeBinaryResponse(response, { all: false, byName: new Map([["total", false]]) })).toBeNull();
  });
});
