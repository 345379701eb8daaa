import { describe, expect, it } from "vitest";
import {
  errorBody,
  inferResponse,
  modelMetadataResponse,
  ZV2InferResponse,
  ZV2ModelMetadataResponse,
} from "@/server/domain/inference/v2-responses";
import type { Signature } from "@/server/domain/signature";

const cardFraud: Signature = {
  inputs: [{ name: "features", elementType: "float32", shape: ["batch", 14] }],
  outputs: [
    { name: "probability", elementType: "float32", shape: ["batch", 1] },
    { name: "label", elementType: "int64", shape: [null] },
  ],
};

describe("inferResponse", () => {
  it("names the model and version, echoes the id and lists the outputs", () => {
    const body = inferResponse({
      modelName: "card-fraud",
      modelVersion: "3",
      id: "req-7",
      outputs: [
        { name: "probability", datatype: "FP32", shape: [2, 1], data: [0.25, 0.75] },
        { name: "label", datatype: "INT64", shape: [2], data: [0, 1] },
      ],
    });
    expect(body).toEqual({
      model_name: "card-fraud",
      model_version: "3",
      id: "req-7",
      outputs: [
        { name: "probability", datatype: "FP32", shape: [2, 1], data: [0.25, 0.75] },
        { name: "label", datatype: "INT64", shape: [2], data: [0, 1] },
      ],
    });
    expect(ZV2InferResponse.parse(body)).toEqual(body);
  });

  it("leaves out an absent id and anything beyond the tensor's four fields", () => {
    const output = { name: "word", datatype: "BYTES" as const, shape: [1], data: ["ok"], extra: 1 };
    const body = inferResponse({ modelName: "m", modelVersion: "1", id: undefined, outputs: [output] });
    expect(body).toEqual({
      model_name: "m",
      model_version: "1",
      outputs: [{ name: "word", datatype: "BYTES", shape: [1], data: ["ok"] }],
    });
    expect("id" in body).toBe(false);
    expect(JSON.stringify(body)).toBe(
      '{"model_name":"m","model_version":"1","outputs":[{"name":"word","datatype":"BYTES","shape":[1],"data":["ok"]}]}',
    );
  });
});

describe("modelMetadataResponse", () => {
  it("gives v2 datatypes and -1 for dynamic dimensions, named or not", () => {
    const body = modelMetadataResponse({
      name: "card-fraud",
      versions: ["1", "2"],
      platform: "onnxruntime_onnx",
      signature: cardFraud,
    });
    expect(body).toEqual({
      name: "card-fraud",
      versions: ["1", "2"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: "features", datatype: "FP32", shape: [-1, 14] }],
      outputs: [
        { name: "probability", datatype: "FP32", shape: [-1, 1] },
        { name: "label", datatype: "INT64", shape: [-1] },
      ],
    });
    expect(ZV2ModelMetadataResponse.parse(body)).toEqual(body);
  });

  it("keeps fixed and scalar shapes and maps every element type", () => {
    const signature: Signature = {
      inputs: [
        { name: "x", elementType: "float32", shape: [1, 4] },
        { name: "t", elementType: "float16", shape: [] },
        { name: "w", elementType: "string", shape: ["n"] },
        { name: "f", elementType: "bool", shape: [0] },
      ],
      outputs: [
        { name: "u", elementType: "uint8", shape: [3] },
        { name: "d", elementType: "float64", shape: [] },
      ],
    };
    const body = modelMetadataResponse({
      name: "odd",
      versions: [],
      platform: "onnxruntime_onnx",
      signature,
    });
    expect(body.inputs).toEqual([
      { name: "x", datatype: "FP32", shape: [1, 4] },
      { name: "t", datatype: "FP16", shape: [] },
      { name: "w", datatype: "BYTES", shape: [-1] },
      { name: "f", datatype: "BOOL", shape: [0] },
    ]);
    expect(body.outputs).toEqual([
      { name: "u", datatype: "UINT8", shape: [3] },
      { name: "d", datatype: "FP64", shape: [] },
    ]);
  });
});

describe("errorBody", () => {
  it("is the protocol's {error}", () => {
    expect(errorBody("input 'features': expected datatype FP32, got INT64")).toEqual({
      error: "input 'features': expected datatype FP32, got INT64",
    });
  });
});
