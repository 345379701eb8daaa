import { z } from "zod";

/** Element types as onnxruntime names them (`Tensor.Type`). */
export const ZElementType = z.enum([
  "float32",
  "float64",
  "float16",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "bool",
  "string",
]);
export type ElementType = z.infer<typeof ZElementType>;

/** A dimension is a fixed size, or a symbolic name (dynamic), or null when the model leaves it unnamed. */
export const ZDimension = z.union([z.number().int().nonnegative(), z.string(), z.null()]);
export type Dimension = z.infer<typeof ZDimension>;

export const ZTensorSpec = z.object({
  name: z.string().min(1),
  elementType: ZElementType,
  shape: z.array(ZDimension),
});
export type TensorSpec = z.infer<typeof ZTensorSpec>;

export const ZSignature = z.object({
  inputs: z.array(ZTensorSpec),
  outputs: z.array(ZTensorSpec),
});
export type Signature = z.infer<typeof ZSignature>;

export function isDynamicDimension(dimension: Dimension): dimension is string | null {
  return typeof dimension !== "number";
}

/** "[batch, 14]" style rendering used by pages and error messages. */
export function formatShape(shape: Dimension[]): string {
  return `[${shape.map((d) => (d === null ? "?" : String(d))).join(", ")}]`;
}
