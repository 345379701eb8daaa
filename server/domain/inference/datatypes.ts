import { z } from "zod";
import type { ElementType } from "@/server/domain/signature";

/** Tensor datatypes as the Open Inference Protocol (KServe v2) names them. */
export const ZV2Datatype = z.enum([
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
]);
export type V2Datatype = z.infer<typeof ZV2Datatype>;

export const V2_DATATYPE_BY_ELEMENT_TYPE: Record<ElementType, V2Datatype> = {
  bool: "BOOL",
  uint8: "UINT8",
  uint16: "UINT16",
  uint32: "UINT32",
  uint64: "UINT64",
  int8: "INT8",
  int16: "INT16",
  int32: "INT32",
  int64: "INT64",
  float16: "FP16",
  float32: "FP32",
  float64: "FP64",
  string: "BYTES",
};

/**
 * JSON has no NaN or infinities: FP16, FP32 and FP64 elements that are not finite travel as these
 * strings, in requests and in answers (Triton writes the same three spellings as bare tokens, which
 * JSON.parse and most JSON parsers refuse; ProtoJSON writes them as these strings).
 */
export const NON_FINITE_FLOATS = ["NaN", "Infinity", "-Infinity"] as const;
export type NonFiniteFloat = (typeof NON_FINITE_FLOATS)[number];

/** The number a non-finite element's string stands for; undefined for any other value. */
export function nonFiniteValue(value: unknown): number | undefined {
  if (value === "NaN") return Number.NaN;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  return undefined;
}

/** The string a non-finite number travels as (NaN, Infinity or -Infinity only). */
export function nonFiniteName(value: number): NonFiniteFloat {
  return value > 0 ? "Infinity" : value < 0 ? "-Infinity" : "NaN";
}

/** Float elements as JSON can carry them: numbers, and the non-finite ones as their strings. */
export function floatsAsJson(
  source: ArrayLike<number>,
  toNumber: (raw: number) => number = (raw) => raw,
): (number | NonFiniteFloat)[] {
  const values: (number | NonFiniteFloat)[] = new Array(source.length);
  for (let i = 0; i < source.length; i++) {
    const value = toNumber(source[i]!);
    // v - v is 0 for every finite v, NaN for NaN and the infinities: one test on the common path.
    values[i] = value - value === 0 ? value : nonFiniteName(value);
  }
  return values;
}

/**
 * A tensor as it travels between gateway and worker (and in v2 responses): row-major flat data.
 * 64-bit integers travel as JSON numbers, exact up to 2^53; non-finite floats as NON_FINITE_FLOATS.
 */
export const ZWireTensor = z.object({
  name: z.string(),
  datatype: ZV2Datatype,
  shape: z.array(z.number().int().nonnegative()),
  data: z.union([
    z.array(z.number()),
    z.array(z.string()),
    z.array(z.boolean()),
    z.array(z.union([z.number(), z.enum(NON_FINITE_FLOATS)])),
  ]),
});
export type WireTensor = z.infer<typeof ZWireTensor>;

/** FP32 or FP64 elements held in the typed array their bytes arrived as. */
export type FloatElements = Float32Array | Float64Array;

/**
 * A tensor as the gateway and the worker hold it: the wire's JSON arrays, or FP32 and FP64 values
 * in a typed array (a binary request's inputs, a worker's outputs, a batch job's rows), so bytes
 * that arrive as bytes and leave as bytes are never spelled out as numbers in between.
 */
export interface HeldTensor {
  name: string;
  datatype: V2Datatype;
  shape: number[];
  data: WireTensor["data"] | FloatElements;
}

/** The tensor with JSON-friendly elements: what a JSON answer, a sample or a comparison reads. */
export function toWireTensor(tensor: HeldTensor): WireTensor {
  const { name, datatype, shape, data } = tensor;
  return ArrayBuffer.isView(data) ? { name, datatype, shape, data: floatsAsJson(data) } : { ...tensor, data };
}
