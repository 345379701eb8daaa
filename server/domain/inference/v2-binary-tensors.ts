import { AppError } from "@/server/domain/app-error";
import {
  floatsAsJson,
  nonFiniteValue,
  toWireTensor,
  type HeldTensor,
  type V2Datatype,
  type WireTensor,
} from "@/server/domain/inference/datatypes";
import { floatToHalfBits, halfBitsToFloat } from "@/server/domain/inference/float16";

/**
 * The binary tensor data extension of the KServe v2 / Triton HTTP protocol: a body is a JSON
 * header of `Inference-Header-Content-Length` bytes followed by the raw bytes of the tensors that
 * carry `parameters.binary_data_size`, in the order the header lists them. Elements are
 * little-endian and row-major with no padding; BOOL is one byte (0 or 1) per element; BYTES is a
 * 4-byte little-endian length then the bytes, per element. Typed arrays are used as views of
 * those bytes, which is right on the little-endian hosts Node runs on (x86-64, arm64).
 */

export const BINARY_TENSOR_EXTENSION = "binary_tensor_data";
/** The content type of a body with a binary section, in requests and answers (Triton's). */
export const BINARY_CONTENT_TYPE = "application/octet-stream";
/** Lower case, as Node hands request headers over. */
export const INFERENCE_HEADER_LENGTH = "inference-header-content-length";

export interface BinaryInferBody {
  /** The JSON header, parsed: checked against the signature by parseInferRequest. */
  header: unknown;
  /** What follows the header: the binary inputs' bytes, back to back. */
  binary: Uint8Array;
}

/** Splits a binary body into its JSON header and binary section; BAD_REQUEST naming what is wrong. */
export function splitBinaryBody(body: Uint8Array, rawHeaderLength: string | undefined): BinaryInferBody {
  if (rawHeaderLength === undefined)
    throw badRequest(
      `a ${BINARY_CONTENT_TYPE} body needs an Inference-Header-Content-Length header giving the length of its JSON header`,
    );
  const headerLength = /^[0-9]+$/.test(rawHeaderLength) ? Number(rawHeaderLength) : NaN;
  if (!Number.isSafeInteger(headerLength))
    throw badRequest(
      `Inference-Header-Content-Length is '${rawHeaderLength}'; expected the JSON header's length in bytes`,
    );
  if (headerLength > body.length)
    throw badRequest(
      `Inference-Header-Content-Length is ${headerLength} but the body has only ${body.length} bytes`,
    );
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(body.subarray(0, headerLength)));
  } catch {
    throw badRequest(
      `the body's first ${headerLength} bytes (Inference-Header-Content-Length) are not valid JSON`,
    );
  }
  return { header, binary: body.subarray(headerLength) };
}

/** Bytes per element in the binary form; BYTES elements have their own lengths. */
const ELEMENT_BYTES: Record<Exclude<V2Datatype, "BYTES">, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

/**
 * One input's binary data as the flat elements the JSON path gives (numbers, non-finite floats as
 * their strings, booleans, strings), so both paths share every check after this one. Throws
 * BAD_REQUEST naming the input when the bytes do not make `count` elements of `datatype`.
 */
export function decodeBinaryTensor(
  bytes: Uint8Array,
  datatype: V2Datatype,
  count: number,
  name: string,
): WireTensor["data"] {
  if (datatype === "BYTES") return decodeBytesElements(bytes, count, name);
  const aligned = alignedElements(bytes, datatype, count, name);
  const { buffer, byteOffset } = aligned;
  switch (datatype) {
    case "BOOL": {
      const values: boolean[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const byte = aligned[i]!;
        if (byte > 1)
          throw badRequest(`input '${name}': element ${i} is the byte ${byte}; a BOOL element is 0 or 1`);
        values[i] = byte === 1;
      }
      return values;
    }
    case "FP16":
      return floatsAsJson(new Uint16Array(buffer, byteOffset, count), halfBitsToFloat);
    case "FP32":
      return floatsAsJson(new Float32Array(buffer, byteOffset, count));
    case "FP64":
      return floatsAsJson(new Float64Array(buffer, byteOffset, count));
    case "INT64":
    case "UINT64": {
      const source =
        datatype === "INT64"
          ? new BigInt64Array(buffer, byteOffset, count)
          : new BigUint64Array(buffer, byteOffset, count);
      // Past 2^53 a number is not exact: parseInferRequest's range check refuses those, as for JSON.
      const values: number[] = new Array(count);
      for (let i = 0; i < count; i++) values[i] = Number(source[i]!);
      return values;
    }
    default:
      return Array.from(smallIntegers(datatype, buffer, byteOffset, count));
  }
}

/**
 * FP32 or FP64 elements in a typed array of their own, copied from the bytes: what onnxruntime
 * takes, with no array of numbers in between (a worker's inputs). Throws as decodeBinaryTensor.
 */
export function decodeBinaryFloats(
  bytes: Uint8Array,
  datatype: "FP32" | "FP64",
  count: number,
  name: string,
): Float32Array | Float64Array {
  const aligned = alignedElements(bytes, datatype, count, name);
  const view =
    datatype === "FP32"
      ? new Float32Array(aligned.buffer, aligned.byteOffset, count)
      : new Float64Array(aligned.buffer, aligned.byteOffset, count);
  return view.slice();
}

/** The bytes, checked to make `count` elements, at an offset a typed array of the datatype can view. */
function alignedElements(
  bytes: Uint8Array,
  datatype: Exclude<V2Datatype, "BYTES">,
  count: number,
  name: string,
): Uint8Array {
  const size = ELEMENT_BYTES[datatype];
  if (bytes.length !== count * size)
    throw badRequest(
      `input '${name}': binary_data_size is ${bytes.length} bytes but ${count} ${datatype} elements take ${count * size}`,
    );
  // A typed array needs its offset aligned to its element size: a misaligned one is copied first
  // (into a new Uint8Array: a Buffer's slice would be a view again).
  return bytes.byteOffset % size === 0 ? bytes : new Uint8Array(bytes);
}

function smallIntegers(datatype: V2Datatype, buffer: ArrayBufferLike, byteOffset: number, count: number) {
  switch (datatype) {
    case "UINT8":
      return new Uint8Array(buffer, byteOffset, count);
    case "INT8":
      return new Int8Array(buffer, byteOffset, count);
    case "UINT16":
      return new Uint16Array(buffer, byteOffset, count);
    case "INT16":
      return new Int16Array(buffer, byteOffset, count);
    case "UINT32":
      return new Uint32Array(buffer, byteOffset, count);
    case "INT32":
      return new Int32Array(buffer, byteOffset, count);
    default:
      throw new Error(`datatype ${datatype} is not a small integer type`);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeBytesElements(bytes: Uint8Array, count: number, name: string): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: string[] = new Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length)
      throw badRequest(
        `input '${name}': binary_data_size ${bytes.length} ends before element ${i}'s 4-byte length (${count} BYTES elements expected)`,
      );
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > bytes.length)
      throw badRequest(
        `input '${name}': element ${i} is ${length} bytes long but only ${bytes.length - at} of its binary_data_size remain`,
      );
    try {
      values[i] = utf8.decode(bytes.subarray(at, at + length));
    } catch {
      throw badRequest(`input '${name}': element ${i} is not valid UTF-8; BYTES elements are text`);
    }
    at += length;
  }
  if (at !== bytes.length)
    throw badRequest(
      `input '${name}': binary_data_size ${bytes.length} has ${bytes.length - at} bytes after its ${count} BYTES elements`,
    );
  return values;
}

/**
 * A tensor's elements in the binary form (the inverse of decodeBinaryTensor): floats held in their
 * own typed array are those bytes already.
 */
export function encodeBinaryTensor(tensor: Pick<HeldTensor, "datatype" | "data">): Uint8Array {
  const { datatype } = tensor;
  if (datatype === "FP32" && tensor.data instanceof Float32Array) return bytesOf(tensor.data);
  if (datatype === "FP64" && tensor.data instanceof Float64Array) return bytesOf(tensor.data);
  const data = tensor.data as ArrayLike<unknown>;
  const n = data.length;
  const asFloat = (value: unknown) => (typeof value === "number" ? value : nonFiniteValue(value)!);
  switch (datatype) {
    case "BYTES": {
      const encoder = new TextEncoder();
      const elements = Array.from(data as ArrayLike<string>, (value) => encoder.encode(value));
      const out = new Uint8Array(elements.reduce((total, element) => total + 4 + element.length, 0));
      const view = new DataView(out.buffer);
      let at = 0;
      for (const element of elements) {
        view.setUint32(at, element.length, true);
        out.set(element, at + 4);
        at += 4 + element.length;
      }
      return out;
    }
    case "BOOL": {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = data[i] ? 1 : 0;
      return out;
    }
    case "FP16": {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = floatToHalfBits(asFloat(data[i]));
      return bytesOf(out);
    }
    case "FP32":
    case "FP64": {
      const out = datatype === "FP32" ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = asFloat(data[i]);
      return bytesOf(out);
    }
    case "INT64":
    case "UINT64": {
      const out = datatype === "INT64" ? new BigInt64Array(n) : new BigUint64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(data[i] as number);
      return bytesOf(out);
    }
    default: {
      const out = smallIntegers(datatype, new ArrayBuffer(n * ELEMENT_BYTES[datatype]), 0, n);
      out.set(data as ArrayLike<number>);
      return bytesOf(out);
    }
  }
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Which outputs a request wants as binary data: `binary_data` on an output overrides `binary_data_output`. */
export interface BinaryOutputChoice {
  all: boolean;
  byName: ReadonlyMap<string, boolean>;
}

export const NO_BINARY_OUTPUTS: BinaryOutputChoice = { all: false, byName: new Map() };

export function isBinaryOutput(choice: BinaryOutputChoice, name: string): boolean {
  return choice.byName.get(name) ?? choice.all;
}

/** A response output sent in the binary section: its size instead of its data. */
interface BinaryResponseOutput {
  name: string;
  datatype: V2Datatype;
  shape: number[];
  parameters: { binary_data_size: number };
}

/**
 * An answer with the outputs `choice` asks for in the binary section: the body (JSON header then
 * those outputs' bytes, in the header's order) and the header's length in bytes, or null when
 * every output stays JSON (the answer is then the plain JSON object).
 */
export function encodeBinaryResponse<R extends { outputs: readonly HeldTensor[] }>(
  response: R,
  choice: BinaryOutputChoice,
): { body: Uint8Array; headerLength: number } | null {
  if (!response.outputs.some((output) => isBinaryOutput(choice, output.name))) return null;
  const sections: Uint8Array[] = [];
  const outputs = response.outputs.map((output): WireTensor | BinaryResponseOutput => {
    if (!isBinaryOutput(choice, output.name)) return toWireTensor(output);
    const bytes = encodeBinaryTensor(output);
    sections.push(bytes);
    const { name, datatype, shape } = output;
    return { name, datatype, shape, parameters: { binary_data_size: bytes.length } };
  });
  const header = new TextEncoder().encode(JSON.stringify({ ...response, outputs }));
  const body = new Uint8Array(sections.reduce((total, bytes) => total + bytes.length, header.length));
  body.set(header);
  let at = header.length;
  for (const bytes of sections) {
    body.set(bytes, at);
    at += bytes.length;
  }
  return { body, headerLength: header.length };
}

function badRequest(message: string): AppError {
  return new AppError("BAD_REQUEST", message);
}
