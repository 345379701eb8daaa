import { z } from "zod";
import {
  V2_DATATYPE_BY_ELEMENT_TYPE,
  ZV2Datatype,
  toWireTensor,
  ZWireTensor,
  type HeldTensor,
} from "@/server/domain/inference/datatypes";
import type { Signature, TensorSpec } from "@/server/domain/signature";

/** Response bodies of the Open Inference Protocol (KServe v2) REST API, as the gateway sends them. */

export const ZV2InferResponse = z.object({
  model_name: z.string(),
  model_version: z.string(),
  id: z.string().optional(),
  outputs: z.array(ZWireTensor),
});
export type V2InferResponse = z.infer<typeof ZV2InferResponse>;

/**
 * An answer with its outputs as the gateway holds them (FP32/FP64 may be typed arrays):
 * encodeBinaryResponse sends it with a binary section, jsonInferResponse as JSON.
 */
export type HeldInferResponse = Omit<V2InferResponse, "outputs"> & { outputs: HeldTensor[] };

/** In metadata a dynamic dimension is -1, the protocol's convention. */
export const ZV2MetadataTensor = z.object({
  name: z.string(),
  datatype: ZV2Datatype,
  shape: z.array(z.number().int().min(-1)),
});

export const ZV2ModelMetadataResponse = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.string(),
  inputs: z.array(ZV2MetadataTensor),
  outputs: z.array(ZV2MetadataTensor),
});
export type V2ModelMetadataResponse = z.infer<typeof ZV2ModelMetadataResponse>;

export const ZV2ErrorBody = z.object({ error: z.string() });
export type V2ErrorBody = z.infer<typeof ZV2ErrorBody>;

export function inferResponse(args: {
  modelName: string;
  modelVersion: string;
  id: string | undefined;
  outputs: readonly HeldTensor[];
}): HeldInferResponse {
  return {
    model_name: args.modelName,
    model_version: args.modelVersion,
    ...(args.id !== undefined && { id: args.id }),
    outputs: args.outputs.map(({ name, datatype, shape, data }) => ({ name, datatype, shape, data })),
  };
}

/** The answer as a JSON body: typed arrays spelled out as numbers (non-finite ones as strings). */
export function jsonInferResponse(response: HeldInferResponse): V2InferResponse {
  return { ...response, outputs: response.outputs.map(toWireTensor) };
}

export function modelMetadataResponse(args: {
  name: string;
  versions: string[];
  platform: "onnxruntime_onnx";
  signature: Signature;
}): V2ModelMetadataResponse {
  return {
    name: args.name,
    versions: args.versions,
    platform: args.platform,
    inputs: args.signature.inputs.map(metadataTensor),
    outputs: args.signature.outputs.map(metadataTensor),
  };
}

export function errorBody(message: string): V2ErrorBody {
  return { error: message };
}

function metadataTensor(spec: TensorSpec): z.infer<typeof ZV2MetadataTensor> {
  return {
    name: spec.name,
    datatype: V2_DATATYPE_BY_ELEMENT_TYPE[spec.elementType],
    shape: spec.shape.map((dim) => (typeof dim === "number" ? dim : -1)),
  };
}
