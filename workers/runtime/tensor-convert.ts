import * as ort from "onnxruntime-node";
import type { QueuedTensor } from "@/server/contracts/serving";
import { floatToHalfBits, halfBitsToFloat } from "@/server/domain/inference/float16";
import type { FlatTensor } from "@/server/domain/inference/batch-merge";
import {
  floatsAsJson,
  nonFiniteValue,
  type HeldTensor,
  type V2Datatype,
  type WireTensor,
} from "@/server/domain/inference/datatypes";

/**
 * Wire tensors (JSON arrays) <-> packed tensors (typed arrays, whose buffers can be transferred
 * to a session thread without a copy) <-> onnxruntime tensors (built over the packed arrays).
 * 64-bit integers travel as JSON numbers (exact to 2^53), BOOL as booleans (0/1 accepted),
 * FP16 as numbers converted to IEEE half bits, non-finite floats as "NaN", "Infinity" and
 * "-Infinity" (NON_FINITE_FLOATS), which JSON has no numbers for.
 */

export type PackedData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];
export type PackedTensor = FlatTensor<PackedData>;

type OrtType = ort.Tensor.Type;

const ORT_TYPE: Record<V2Datatype, OrtType> = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
};
const V2_DATATYPE = Object.fromEntries(
  Object.entries(ORT_TYPE).map(([datatype, type]) => [type, datatype]),
) as Record<string, V2Datatype>;

const INTEGER_RANGE: Partial<Record<V2Datatype, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  INT64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

/**
 * WireTensor (or a run's typed-array input) -> typed arrays, always a copy (the packed buffer is
 * transferred to the session thread). Throws an Error naming the tensor when a value does not
 * fit its datatype.
 */
export function packWireTensor(
  tensor: HeldTensor,
  /** Where FP32/FP64 data goes (every element is written): a spare buffer of that size, or a new one. */
  allocate: (byteLength: number) => ArrayBuffer = (byteLength) => new ArrayBuffer(byteLength),
): PackedTensor {
  const { name, datatype, shape } = tensor;
  const source = tensor.data as ArrayLike<unknown>;
  const expected = shape.reduce((count, dim) => count * dim, 1);
  if (source.length !== expected)
    throw new Error(
      `input '${name}': shape [${shape.join(", ")}] needs ${expected} values, got ${source.length}`,
    );
  const bad = (index: number, what: string) =>
    new Error(
      `input '${name}' (${datatype}): value ${JSON.stringify(source[index])} at index ${index} is not ${what}`,
    );
  const n = source.length;
  switch (datatype) {
    case "BYTES": {
      for (let i = 0; i < n; i++) if (typeof source[i] !== "string") throw bad(i, "a string");
      return { name, datatype, shape, data: source as string[] };
    }
    case "BOOL": {
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const value = source[i];
        if (value === true || value === 1) data[i] = 1;
        else if (value !== false && value !== 0) throw bad(i, "a boolean");
      }
      return { name, datatype, shape, data };
    }
    case "FP16": {
      const data = new Uint16Array(n);
      for (let i = 0; i < n; i++) data[i] = floatToHalfBits(floatAt(source, i, bad));
      return { name, datatype, shape, data };
    }
    case "FP32":
    case "FP64": {
      const data =
        datatype === "FP32" ? new Float32Array(allocate(n * 4)) : new Float64Array(allocate(n * 8));
      // Numbers already: one copy, rounding to float32 as the loop would.
      if (source instanceof Float32Array || source instanceof Float64Array) {
        data.set(source);
        return { name, datatype, shape, data };
      }
      for (let i = 0; i < n; i++) {
        const value = source[i];
        data[i] = typeof value === "number" ? value : floatAt(source, i, bad);
      }
      return { name, datatype, shape, data };
    }
    case "INT64":
    case "UINT64": {
      const data = datatype === "INT64" ? new BigInt64Array(n) : new BigUint64Array(n);
      const [min, max] = INTEGER_RANGE[datatype]!;
      for (let i = 0; i < n; i++) {
        const value = source[i];
        if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
          throw bad(i, `an integer in [${min}, ${max}]`);
        data[i] = BigInt(value as number);
      }
      return { name, datatype, shape, data };
    }
    default: {
      const data = newSmallIntArray(datatype, n);
      const [min, max] = INTEGER_RANGE[datatype]!;
      for (let i = 0; i < n; i++) {
        const value = source[i];
        if (!Number.isInteger(value) || (value as number) < min || (value as number) > max)
          throw bad(i, `an integer in [${min}, ${max}]`);
        data[i] = value as number;
      }
      return { name, datatype, shape, data };
    }
  }
}

/** A float element: a number, or the string of a non-finite one; else the error `bad` makes. */
function floatAt(
  source: ArrayLike<unknown>,
  index: number,
  bad: (index: number, what: string) => Error,
): number {
  const value = source[index];
  if (typeof value === "number") return value;
  const special = nonFiniteValue(value);
  if (special === undefined) throw bad(index, "a number");
  return special;
}

function newSmallIntArray(
  datatype: V2Datatype,
  n: number,
): Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array {
  switch (datatype) {
    case "INT8":
      return new Int8Array(n);
    case "INT16":
      return new Int16Array(n);
    case "INT32":
      return new Int32Array(n);
    case "UINT8":
      return new Uint8Array(n);
    case "UINT16":
      return new Uint16Array(n);
    case "UINT32":
      return new Uint32Array(n);
    default:
      throw new Error(`datatype ${datatype} is not a small integer type`);
  }
}

/** Typed arrays (e.g. cut from a merged run's output) -> WireTensor with JSON-friendly values. */
export function unpackToWire(tensor: PackedTensor): WireTensor {
  const { name, datatype, data } = tensor;
  const shape = [...tensor.shape];
  const n = data.length;
  if (datatype === "BYTES") return { name, datatype, shape, data: Array.from(data as string[]) };
  if (datatype === "BOOL") {
    const values: boolean[] = new Array(n);
    for (let i = 0; i < n; i++) values[i] = (data as Uint8Array)[i] !== 0;
    return { name, datatype, shape, data: values };
  }
  if (datatype === "FP16")
    return { name, datatype, shape, data: floatsAsJson(data as Uint16Array, halfBitsToFloat) };
  if (datatype === "FP32" || datatype === "FP64")
    return { name, datatype, shape, data: floatsAsJson(data as Float32Array | Float64Array) };
  const values: number[] = new Array(n);
  if (datatype === "INT64" || datatype === "UINT64") {
    for (let i = 0; i < n; i++) values[i] = Number((data as BigInt64Array)[i]!);
  } else {
    for (let i = 0; i < n; i++) values[i] = (data as Int32Array)[i]!;
  }
  return { name, datatype, shape, data: values };
}

/**
 * Typed arrays -> a serving reply's tensor: a typed array's bytes are the binary tensor layout
 * already (FP16 as its bits, BOOL as 0/1 bytes, 64-bit integers as such), so they go as base64
 * with no array of numbers in between; BYTES as its strings.
 */
export function packedToQueued(tensor: PackedTensor): QueuedTensor {
  const { name, datatype, data } = tensor;
  const shape = [...tensor.shape];
  if (datatype === "BYTES") return { name, datatype, shape, data: Array.from(data as string[]) };
  const view = data as Exclude<PackedData, string[]>;
  const base64 = Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString("base64");
  return { name, datatype, shape, base64 };
}

/** Packed -> onnxruntime tensor over the same memory (no copy). */
export function toOrtTensor(tensor: PackedTensor): ort.Tensor {
  return new ort.Tensor(ORT_TYPE[tensor.datatype], tensor.data as never, tensor.shape);
}

/**
 * onnxruntime tensor -> packed. The data is the run's own output, so it is kept as is; a view
 * over part of a larger buffer is copied so that its buffer can be transferred.
 */
export function fromOrtTensor(name: string, tensor: ort.Tensor): PackedTensor {
  const datatype = V2_DATATYPE[tensor.type];
  if (!datatype)
    throw new Error(`output '${name}' has element type '${tensor.type}', which is not supported`);
  let data = tensor.data as PackedData;
  if (ArrayBuffer.isView(data) && (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength))
    data = data.slice();
  return { name, datatype, shape: [...tensor.dims], data };
}

/** The buffers of typed-array tensors, for a postMessage transfer list (each buffer once). */
export function transferablesOf(tensors: readonly PackedTensor[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const tensor of tensors) {
    if (ArrayBuffer.isView(tensor.data) && tensor.data.buffer instanceof ArrayBuffer)
      buffers.add(tensor.data.buffer);
  }
  return [...buffers];
}

export function wireToOrt(tensor: WireTensor): ort.Tensor {
  return toOrtTensor(packWireTensor(tensor));
}

export function ortToWire(name: string, tensor: ort.Tensor): WireTensor {
  return unpackToWire(fromOrtTensor(name, tensor));
}
