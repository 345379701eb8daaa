import * as ort from "onnxruntime-node";
import { AppError } from "@/server/domain/app-error";
import { ZElementType, type Signature, type TensorSpec, type Dimension } from "@/server/domain/signature";
import { readModelHeader, type ModelHeader } from "@/server/onnx/read-model-header";

export interface OnnxInspection extends Omit<ModelHeader, "hasGraph"> {
  signature: Signature;
}

/**
 * Reads what the registry shows about an ONNX file: header fields from the protobuf and the
 * input/output signature from an onnxruntime session (which also proves the file loads).
 * Every failure is an AppError that says what is wrong with the file.
 */
export async function inspectOnnx(bytes: Uint8Array): Promise<OnnxInspection> {
  if (bytes.byteLength === 0) throw new AppError("BAD_REQUEST", "the file is empty");
  let header: ModelHeader;
  try {
    header = readModelHeader(bytes);
  } catch (error) {
    throw new AppError(
      "BAD_REQUEST",
      `not an ONNX model: the file is not a valid ONNX protobuf (${(error as Error).message}); it may be truncated or corrupt`,
    );
  }
  if (!header.hasGraph || header.irVersion === null) {
    throw new AppError("BAD_REQUEST", "not an ONNX model: the file has no model graph or IR version");
  }

  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: "disabled",
      intraOpNumThreads: 1,
    });
  } catch (error) {
    throw new AppError(
      "BAD_REQUEST",
      `onnxruntime could not load the model: ${firstLine((error as Error).message)}`,
    );
  }
  try {
    const signature: Signature = {
      inputs: session.inputMetadata.map((metadata) => toTensorSpec(metadata, "input")),
      outputs: session.outputMetadata.map((metadata) => toTensorSpec(metadata, "output")),
    };
    const { hasGraph: _hasGraph, ...rest } = header;
    return { ...rest, signature };
  } finally {
    await session.release();
  }
}

function toTensorSpec(metadata: ort.InferenceSession.ValueMetadata, role: "input" | "output"): TensorSpec {
  if (!metadata.isTensor) {
    throw new AppError(
      "BAD_REQUEST",
      `${role} '${metadata.name}' is a sequence or map, not a tensor; only tensor inputs and outputs are supported (for scikit-learn exports, convert with zipmap=False)`,
    );
  }
  const elementType = ZElementType.safeParse(metadata.type);
  if (!elementType.success) {
    throw new AppError(
      "BAD_REQUEST",
      `${role} '${metadata.name}' has element type '${metadata.type}', which is not supported`,
    );
  }
  return { name: metadata.name, elementType: elementType.data, shape: metadata.shape.map(toDimension) };
}

function toDimension(dimension: number | string): Dimension {
  if (typeof dimension === "number") return dimension >= 0 ? dimension : null;
  return dimension === "" ? null : dimension;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}
