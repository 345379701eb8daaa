import * as ort from "onnxruntime-node";
import { AppError } from "@/server/domain/app-error";
import { redactInternals } from "@/server/domain/redact-internals";
import { ZElementType, type Signature, type TensorSpec, type Dimension } from "@/server/domain/signature";
import {
  readModelHeader,
  type ExternalDataReference,
  type ModelHeader,
} from "@/server/onnx/read-model-header";

export interface OnnxInspection extends Omit<ModelHeader, "hasGraph" | "externalData"> {
  signature: Signature;
}

/**
 * Reads what the registry shows about an ONNX file: header fields from the protobuf and the
 * input/output signature from an onnxruntime session (which also proves the file loads).
 * Every failure is an AppError that says what is wrong with the file. Runs in the inspection
 * thread (inspect-onnx-in-thread.ts): loading a model blocks the thread that does it.
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
  // Checked before onnxruntime sees the bytes: it would read the named files from this server's
  // disk (relative to its working directory) and serve their contents as weights.
  if (header.externalData.length > 0) throw externalDataError(header.externalData);

  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: "disabled",
      intraOpNumThreads: 1,
    });
  } catch (error) {
    const reason = redactInternals(firstLine((error as Error).message), {
      workingDirectory: process.cwd(),
      pid: process.pid,
    });
    throw new AppError("BAD_REQUEST", `onnxruntime could not load the model: ${reason}`);
  }
  try {
    const signature: Signature = {
      inputs: session.inputMetadata.map((metadata) => toTensorSpec(metadata, "input")),
      outputs: session.outputMetadata.map((metadata) => toTensorSpec(metadata, "output")),
    };
    const { hasGraph: _hasGraph, externalData: _externalData, ...rest } = header;
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

const EXTERNAL_TENSORS_IN_MESSAGE = 3;

function externalDataError(references: ExternalDataReference[]): AppError {
  const named = references
    .slice(0, EXTERNAL_TENSORS_IN_MESSAGE)
    .map(
      ({ tensor, location }) =>
        `'${tensor}' in ${location === null ? "an unnamed file" : `'${location.slice(0, 200)}'`}`,
    );
  if (references.length > EXTERNAL_TENSORS_IN_MESSAGE)
    named.push(`and ${references.length - EXTERNAL_TENSORS_IN_MESSAGE} more`);
  return new AppError(
    "BAD_REQUEST",
    `the model uses external data files (tensor ${named.join(", ")}); an upload is a single .onnx file, ` +
      "so their data cannot come with it. Embed the data in the model and upload that file, e.g. in Python: " +
      'onnx.save_model(onnx.load("model.onnx"), "embedded.onnx", save_as_external_data=False)',
  );
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}
