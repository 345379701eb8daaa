import { describe, expect, it } from "vitest";
import type { AppErrorCode } from "@/server/domain/app-error";
import { NO_BINARY_OUTPUTS } from "@/server/domain/inference/v2-binary-tensors";
import {
  parseInferRequest,
  ZV2InferRequest,
  type ParsedInferRequest,
} from "@/server/domain/inference/v2-infer-request";
import type { Signature } from "@/server/domain/signature";
import { appErrorOf } from "../feature-set/app-error-of";

const cardFraud: Signature = {
  inputs: [{ name: "features", elementType: "float32", shape: ["batch", 14] }],
  outputs: [
    { name: "probability", elementType: "float32", shape: ["batch", 1] },
    { name: "label", elementType: "int64", shape: ["batch"] },
  ],
};
const fixedBatch: Signature = {
  inputs: [{ name: "x", elementType: "float32", shape: [1, 4] }],
  outputs: [{ name: "y", elementType: "float32", shape: [1, 2] }],
};
const twoInputs: Signature = {
  inputs: [
    { name: "a", elementType: "float32", shape: ["batch", 3] },
    { name: "b", elementType: "float32", shape: ["batch", 2] },
  ],
  outputs: [{ name: "sum", elementType: "float32", shape: ["batch"] }],
};
const unnamedBatch: Signature = {
  inputs: [
    { name: "a", elementType: "float32", shape: [null, 3] },
    { name: "b", elementType: "float32", shape: ["other", 2] },
  ],
  outputs: [{ name: "y", elementType: "float32", shape: [null] }],
};
const counts: Signature = {
  inputs: [{ name: "counts", elementType: "int64", shape: ["batch", 3] }],
  outputs: [{ name: "y", elementType: "float32", shape: ["batch"] }],
};
const flags: Signature = {
  inputs: [{ name: "flags", elementType: "bool", shape: ["batch", 2] }],
  outputs: [{ name: "y", elementType: "bool", shape: ["batch"] }],
};
const words: Signature = {
  inputs: [{ name: "word", elementType: "string", shape: ["batch"] }],
  outputs: [{ name: "id", elementType: "int64", shape: ["batch"] }],
};
const scalar: Signature = {
  inputs: [{ name: "t", elementType: "float32", shape: [] }],
  outputs: [{ name: "y", elementType: "float32", shape: [] }],
};
const scalarAndRows: Signature = {
  inputs: [
    { name: "t", elementType: "float32", shape: [] },
    { name: "x", elementType: "float32", shape: ["n", 2] },
  ],
  outputs: [{ name: "y", elementType: "float32", shape: ["n"] }],
};
const smallInts: Signature = {
  inputs: [
    { name: "u8", elementType: "uint8", shape: [2] },
    { name: "i8", elementType: "int8", shape: [2] },
    { name: "u16", elementType: "uint16", shape: [2] },
    { name: "i16", elementType: "int16", shape: [2] },
    { name: "u32", elementType: "uint32", shape: [2] },
    { name: "i32", elementType: "int32", shape: [2] },
    { name: "u64", elementType: "uint64", shape: [2] },
    { name: "f16", elementType: "float16", shape: [2] },
    { name: "f64", elementType: "float64", shape: [2] },
  ],
  outputs: [{ name: "y", elementType: "float32", shape: [] }],
};

const LIMITS = { maxBatchRows: 64 };
const row14 = (seed: number) => Array.from({ length: 14 }, (_, i) => seed + i / 10);
const features = (rows: number[][], extra: object = {}) => ({
  name: "features",
  datatype: "FP32",
  shape: [rows.length, 14],
  data: rows.flat(),
  ...extra,
});
const smallIntsBody = (override: Record<string, unknown[]>) => ({
  inputs: smallInts.inputs.map((spec) => ({
    name: spec.name,
    shape: [2],
    datatype: {
      uint8: "UINT8",
      int8: "INT8",
      uint16: "UINT16",
      int16: "INT16",
      uint32: "UINT32",
      int32: "INT32",
      uint64: "UINT64",
      float16: "FP16",
      float64: "FP64",
    }[spec.elementType as string],
    data: override[spec.name] ?? [0, 1],
  })),
});

describe("parseInferRequest: good requests", () => {
  const good: Array<
    [
      string,
      Signature,
      unknown,
      Omit<ParsedInferRequest, "id" | "outputNames" | "binaryOutputs"> & Partial<ParsedInferRequest>,
    ]
  > = [
    [
      "card fraud, one row, all outputs",
      cardFraud,
      { inputs: [features([row14(0)])] },
      { inputs: [{ name: "features", datatype: "FP32", shape: [1, 14], data: row14(0) }], batchRows: 1 },
    ],
    [
      "card fraud, three rows, an id and one output",
      cardFraud,
      {
        id: "req-7",
        parameters: { trace: true },
        inputs: [features([row14(0), row14(1), row14(2)])],
        outputs: [{ name: "label", parameters: { binary_data: false } }],
      },
      {
        id: "req-7",
        inputs: [
          {
            name: "features",
            datatype: "FP32",
            shape: [3, 14],
            data: [...row14(0), ...row14(1), ...row14(2)],
          },
        ],
        outputNames: ["label"],
        batchRows: 3,
        binaryOutputs: { all: false, byName: new Map([["label", false]]) },
      },
    ],
    [
      "outputs in the order asked",
      cardFraud,
      { inputs: [features([row14(0)])], outputs: [{ name: "label" }, { name: "probability" }] },
      {
        inputs: [{ name: "features", datatype: "FP32", shape: [1, 14], data: row14(0) }],
        outputNames: ["label", "probability"],
        batchRows: 1,
      },
    ],
    [
      "an empty outputs list means every output",
      cardFraud,
      { inputs: [features([row14(0)])], outputs: [] },
      { inputs: [{ name: "features", datatype: "FP32", shape: [1, 14], data: row14(0) }], batchRows: 1 },
    ],
    [
      "integers are fine as FP32 and FP32 can be negative",
      cardFraud,
      { inputs: [features([[1, -2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, -3.4e38]])] },
      {
        inputs: [
          {
            name: "features",
            datatype: "FP32",
            shape: [1, 14],
            data: [1, -2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, -3.4e38],
          },
        ],
        batchRows: 1,
      },
    ],
    [
      "a fixed batch of one",
      fixedBatch,
      { inputs: [{ name: "x", datatype: "FP32", shape: [1, 4], data: [[1, 2, 3, 4]] }] },
      { inputs: [{ name: "x", datatype: "FP32", shape: [1, 4], data: [1, 2, 3, 4] }], batchRows: 1 },
    ],
    [
      "two inputs, given in the other order, come back in the signature's order",
      twoInputs,
      {
        inputs: [
          { name: "b", datatype: "FP32", shape: [2, 2], data: [5, 6, 7, 8] },
          {
            name: "a",
            datatype: "FP32",
            shape: [2, 3],
            data: [
              [1, 2, 3],
              [4, 5, 6],
            ],
          },
        ],
      },
      {
        inputs: [
          { name: "a", datatype: "FP32", shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
          { name: "b", datatype: "FP32", shape: [2, 2], data: [5, 6, 7, 8] },
        ],
        batchRows: 2,
      },
    ],
    [
      "unnamed or differently named first dimensions need not agree; the first input's rows are the batch",
      unnamedBatch,
      {
        inputs: [
          { name: "a", datatype: "FP32", shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
          { name: "b", datatype: "FP32", shape: [1, 2], data: [7, 8] },
        ],
      },
      {
        inputs: [
          { name: "a", datatype: "FP32", shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
          { name: "b", datatype: "FP32", shape: [1, 2], data: [7, 8] },
        ],
        batchRows: 2,
      },
    ],
    [
      "INT64 up to the largest safe integer, either sign",
      counts,
      {
        inputs: [
          {
            name: "counts",
            datatype: "INT64",
            shape: [2, 3],
            data: [0, -1, 9007199254740991, -9007199254740991, 2, 3],
          },
        ],
      },
      {
        inputs: [
          {
            name: "counts",
            datatype: "INT64",
            shape: [2, 3],
            data: [0, -1, 9007199254740991, -9007199254740991, 2, 3],
          },
        ],
        batchRows: 2,
      },
    ],
    [
      "BOOL as JSON booleans, nested",
      flags,
      {
        inputs: [
          {
            name: "flags",
            datatype: "BOOL",
            shape: [2, 2],
            data: [
              [true, false],
              [false, false],
            ],
          },
        ],
      },
      {
        inputs: [{ name: "flags", datatype: "BOOL", shape: [2, 2], data: [true, false, false, false] }],
        batchRows: 2,
      },
    ],
    [
      "BYTES as strings, the empty string included",
      words,
      { inputs: [{ name: "word", datatype: "BYTES", shape: [3], data: ["fraud", "", "NaN"] }] },
      { inputs: [{ name: "word", datatype: "BYTES", shape: [3], data: ["fraud", "", "NaN"] }], batchRows: 3 },
    ],
    [
      "a scalar input: shape [] with one element",
      scalar,
      { inputs: [{ name: "t", datatype: "FP32", shape: [], data: [0.5] }] },
      { inputs: [{ name: "t", datatype: "FP32", shape: [], data: [0.5] }], batchRows: 1 },
    ],
    [
      "a scalar beside a batched input: the batched input gives the rows",
      scalarAndRows,
      {
        inputs: [
          { name: "t", datatype: "FP32", shape: [], data: [2] },
          {
            name: "x",
            datatype: "FP32",
            shape: [3, 2],
            data: [
              [1, 2],
              [3, 4],
              [5, 6],
            ],
          },
        ],
      },
      {
        inputs: [
          { name: "t", datatype: "FP32", shape: [], data: [2] },
          { name: "x", datatype: "FP32", shape: [3, 2], data: [1, 2, 3, 4, 5, 6] },
        ],
        batchRows: 3,
      },
    ],
    [
      "every integer type at the ends of its range",
      smallInts,
      smallIntsBody({
        u8: [0, 255],
        i8: [-128, 127],
        u16: [0, 65535],
        i16: [-32768, 32767],
        u32: [0, 4294967295],
        i32: [-2147483648, 2147483647],
        u64: [0, 9007199254740991],
        f16: [-65504, 65504],
        f64: [-1.7976931348623157e308, 5e-324],
      }),
      {
        inputs: [
          { name: "u8", datatype: "UINT8", shape: [2], data: [0, 255] },
          { name: "i8", datatype: "INT8", shape: [2], data: [-128, 127] },
          { name: "u16", datatype: "UINT16", shape: [2], data: [0, 65535] },
          { name: "i16", datatype: "INT16", shape: [2], data: [-32768, 32767] },
          { name: "u32", datatype: "UINT32", shape: [2], data: [0, 4294967295] },
          { name: "i32", datatype: "INT32", shape: [2], data: [-2147483648, 2147483647] },
          { name: "u64", datatype: "UINT64", shape: [2], data: [0, 9007199254740991] },
          { name: "f16", datatype: "FP16", shape: [2], data: [-65504, 65504] },
          { name: "f64", datatype: "FP64", shape: [2], data: [-1.7976931348623157e308, 5e-324] },
        ],
        batchRows: 1,
      },
    ],
    [
      "64 rows, the limit",
      cardFraud,
      { inputs: [features(Array.from({ length: 64 }, (_, r) => row14(r)))] },
      {
        inputs: [
          {
            name: "features",
            datatype: "FP32",
            shape: [64, 14],
            data: Array.from({ length: 64 }, (_, r) => row14(r)).flat(),
          },
        ],
        batchRows: 64,
      },
    ],
    [
      "a zero-sized inner dimension, nested",
      {
        inputs: [{ name: "s", elementType: "float32", shape: ["batch", "len"] }],
        outputs: [{ name: "y", elementType: "float32", shape: ["batch"] }],
      },
      { inputs: [{ name: "s", datatype: "FP32", shape: [2, 0], data: [[], []] }] },
      { inputs: [{ name: "s", datatype: "FP32", shape: [2, 0], data: [] }], batchRows: 2 },
    ],
    [
      "zero rows, which onnxruntime runs",
      cardFraud,
      { inputs: [features([])] },
      { inputs: [{ name: "features", datatype: "FP32", shape: [0, 14], data: [] }], batchRows: 0 },
    ],
    [
      'non-finite floats as "NaN", "Infinity" and "-Infinity", kept as strings for the worker',
      { inputs: [{ name: "v", elementType: "float64", shape: [4] }], outputs: [] },
      { inputs: [{ name: "v", datatype: "FP64", shape: [4], data: ["NaN", "Infinity", "-Infinity", 1] }] },
      {
        inputs: [{ name: "v", datatype: "FP64", shape: [4], data: ["NaN", "Infinity", "-Infinity", 1] }],
        batchRows: 1,
      },
    ],
  ];

  it.each(good)("%s", (_title, signature, body, expected) => {
    expect(parseInferRequest(body, signature, LIMITS)).toEqual({
      id: undefined,
      outputNames: undefined,
      binaryOutputs: NO_BINARY_OUTPUTS,
      ...expected,
    });
  });

  it("gives identical tensors for nested and flat data", () => {
    const rows = [row14(0), row14(1)];
    const nested = parseInferRequest(
      { inputs: [{ name: "features", datatype: "FP32", shape: [2, 14], data: rows }] },
      cardFraud,
      LIMITS,
    );
    const flat = parseInferRequest(
      { inputs: [{ name: "features", datatype: "FP32", shape: [2, 14], data: rows.flat() }] },
      cardFraud,
      LIMITS,
    );
    expect(nested).toEqual(flat);

    const cube = [
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ];
    const rank3: Signature = {
      inputs: [{ name: "c", elementType: "int32", shape: ["batch", 3, 2] }],
      outputs: [{ name: "y", elementType: "float32", shape: ["batch"] }],
    };
    const fromNested = parseInferRequest(
      { inputs: [{ name: "c", datatype: "INT32", shape: [2, 3, 2], data: cube }] },
      rank3,
      LIMITS,
    );
    const fromFlat = parseInferRequest(
      { inputs: [{ name: "c", datatype: "INT32", shape: [2, 3, 2], data: cube.flat(2) }] },
      rank3,
      LIMITS,
    );
    expect(fromNested).toEqual(fromFlat);
    expect(fromFlat.inputs[0]!.data).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("hands flat data on without copying it, and leaves the body as it was", () => {
    const data = row14(0);
    const body = { inputs: [{ name: "features", datatype: "FP32", shape: [1, 14], data }] };
    const before = structuredClone(body);
    expect(parseInferRequest(body, cardFraud, LIMITS).inputs[0]!.data).toBe(data);
    const nested = { inputs: [{ name: "features", datatype: "FP32", shape: [1, 14], data: [row14(0)] }] };
    const nestedBefore = structuredClone(nested);
    parseInferRequest(nested, cardFraud, LIMITS);
    expect([body, nested]).toEqual([before, nestedBefore]);
  });

  it("describes the body with its zod schema", () => {
    expect(
      ZV2InferRequest.safeParse({
        inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [[1, 2, 3, 4]] }],
      }).success,
    ).toBe(true);
    expect(
      ZV2InferRequest.safeParse({ inputs: [{ name: "x", shape: [1, 4], datatype: "FLOAT", data: [] }] })
        .success,
    ).toBe(false);
  });
});

describe("parseInferRequest: bad requests", () => {
  const bad: Array<[string, Signature, unknown, AppErrorCode, string]> = [
    // The envelope
    [
      "a body that is not an object",
      cardFraud,
      "features",
      "BAD_REQUEST",
      `the body is the string "features"; expected a JSON object with an 'inputs' array`,
    ],
    [
      "a null body",
      cardFraud,
      null,
      "BAD_REQUEST",
      "the body is null; expected a JSON object with an 'inputs' array",
    ],
    [
      "an array body",
      cardFraud,
      [features([row14(0)])],
      "BAD_REQUEST",
      "the body is an array; expected a JSON object with an 'inputs' array",
    ],
    [
      "no inputs",
      cardFraud,
      { id: "r" },
      "BAD_REQUEST",
      "'inputs' is missing; expected an array of input tensors",
    ],
    [
      "inputs not an array",
      cardFraud,
      { inputs: features([row14(0)]) },
      "BAD_REQUEST",
      "'inputs' is an object; expected an array of input tensors",
    ],
    [
      "an id that is not a string",
      cardFraud,
      { id: 7, inputs: [features([row14(0)])] },
      "BAD_REQUEST",
      "'id' is 7; expected a string",
    ],
    [
      "parameters that are not an object",
      cardFraud,
      { parameters: [], inputs: [features([row14(0)])] },
      "BAD_REQUEST",
      "'parameters' is an array; expected an object of parameters",
    ],
    [
      "an input that is not an object",
      cardFraud,
      { inputs: [5] },
      "BAD_REQUEST",
      "inputs[0] is 5; expected a tensor object {name, shape, datatype, data}",
    ],
    [
      "an input without a name",
      cardFraud,
      { inputs: [{ datatype: "FP32", shape: [1, 14], data: row14(0) }] },
      "BAD_REQUEST",
      "inputs[0]: name is missing; expected a string",
    ],
    [
      "an input with an empty name",
      cardFraud,
      { inputs: [features([row14(0)], { name: "" })] },
      "BAD_REQUEST",
      "inputs[0]: name is empty; expected the input's name",
    ],
    [
      "an input without data",
      cardFraud,
      { inputs: [{ name: "features", datatype: "FP32", shape: [1, 14] }] },
      "BAD_REQUEST",
      "input 'features': data is missing; expected an array (flat or nested)",
    ],
    [
      "data that is not an array",
      cardFraud,
      { inputs: [features([], { shape: [1, 14], data: 3 })] },
      "BAD_REQUEST",
      "input 'features': data is 3; expected an array (flat or nested)",
    ],
    [
      "no shape",
      cardFraud,
      { inputs: [{ name: "features", datatype: "FP32", data: row14(0) }] },
      "BAD_REQUEST",
      "input 'features': shape is missing; expected an array of dimension sizes",
    ],
    [
      "a negative dimension",
      cardFraud,
      { inputs: [features([row14(0)], { shape: [-1, 14] })] },
      "BAD_REQUEST",
      "input 'features': shape[0] is -1; expected a non-negative integer",
    ],
    [
      "a fractional dimension",
      cardFraud,
      { inputs: [features([row14(0)], { shape: [1, 13.5] })] },
      "BAD_REQUEST",
      "input 'features': shape[1] is 13.5; expected a non-negative integer",
    ],
    [
      "a dimension as a string",
      cardFraud,
      { inputs: [features([row14(0)], { shape: ["1", 14] })] },
      "BAD_REQUEST",
      `input 'features': shape[0] is the string "1"; expected a non-negative integer`,
    ],
    [
      "an unknown datatype",
      cardFraud,
      { inputs: [features([row14(0)], { datatype: "FLOAT32" })] },
      "BAD_REQUEST",
      `input 'features': datatype is the string "FLOAT32"; expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES`,
    ],
    [
      "a requested output without a name",
      cardFraud,
      { inputs: [features([row14(0)])], outputs: [{}] },
      "BAD_REQUEST",
      "outputs[0]: name is missing; expected a string",
    ],
    [
      "binary_data_size in a body without a binary section",
      cardFraud,
      {
        inputs: [
          { name: "features", datatype: "FP32", shape: [1, 14], parameters: { binary_data_size: 56 } },
        ],
      },
      "BAD_REQUEST",
      "input 'features' has parameters.binary_data_size but the body has no binary section; send it as application/octet-stream with an Inference-Header-Content-Length header",
    ],

    // Names
    [
      "an unknown input",
      cardFraud,
      { inputs: [features([row14(0)], { name: "feature" })] },
      "BAD_REQUEST",
      "unknown input 'feature'; the model's inputs are 'features'",
    ],
    [
      "a missing input",
      twoInputs,
      { inputs: [{ name: "a", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }] },
      "BAD_REQUEST",
      "missing input 'b'; the model's inputs are 'a', 'b'",
    ],
    [
      "no inputs at all",
      twoInputs,
      { inputs: [] },
      "BAD_REQUEST",
      "missing input 'a'; the model's inputs are 'a', 'b'",
    ],
    [
      "an input given twice",
      cardFraud,
      { inputs: [features([row14(0)]), features([row14(1)])] },
      "BAD_REQUEST",
      "input 'features' is given more than once",
    ],
    [
      "an unknown output",
      cardFraud,
      { inputs: [features([row14(0)])], outputs: [{ name: "prob" }] },
      "BAD_REQUEST",
      "unknown output 'prob'; the model's outputs are 'probability', 'label'",
    ],
    [
      "an output asked twice",
      cardFraud,
      { inputs: [features([row14(0)])], outputs: [{ name: "label" }, { name: "label" }] },
      "BAD_REQUEST",
      "output 'label' is requested more than once",
    ],

    // Datatype and shape
    [
      "the wrong datatype",
      cardFraud,
      { inputs: [features([row14(0)], { datatype: "INT64" })] },
      "BAD_REQUEST",
      "input 'features': expected datatype FP32, got INT64",
    ],
    [
      "FP64 for an FP32 model",
      cardFraud,
      { inputs: [features([row14(0)], { datatype: "FP64" })] },
      "BAD_REQUEST",
      "input 'features': expected datatype FP32, got FP64",
    ],
    [
      "a fixed dimension that differs",
      cardFraud,
      { inputs: [features([], { shape: [2, 13], data: new Array(26).fill(0) })] },
      "BAD_REQUEST",
      "input 'features': shape [2, 13] does not match the model's [batch, 14] (dimension 1 must be 14)",
    ],
    [
      "flat data sent with a rank-1 shape",
      cardFraud,
      { inputs: [features([], { shape: [28], data: new Array(28).fill(0) })] },
      "BAD_REQUEST",
      "input 'features': shape [28] does not match the model's [batch, 14] (rank 1, the model needs rank 2)",
    ],
    [
      "a fixed batch given two rows",
      fixedBatch,
      { inputs: [{ name: "x", datatype: "FP32", shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] }] },
      "BAD_REQUEST",
      "input 'x': shape [2, 4] does not match the model's [1, 4] (dimension 0 must be 1)",
    ],
    [
      "a fixed batch given no batch dimension",
      fixedBatch,
      { inputs: [{ name: "x", datatype: "FP32", shape: [4], data: [1, 2, 3, 4] }] },
      "BAD_REQUEST",
      "input 'x': shape [4] does not match the model's [1, 4] (rank 1, the model needs rank 2)",
    ],
    [
      "a scalar input given a shape",
      scalar,
      { inputs: [{ name: "t", datatype: "FP32", shape: [1], data: [1] }] },
      "BAD_REQUEST",
      "input 't': shape [1] does not match the model's [] (rank 1, the model needs rank 0)",
    ],
    [
      "a batched input given as a scalar",
      words,
      { inputs: [{ name: "word", datatype: "BYTES", shape: [], data: ["a"] }] },
      "BAD_REQUEST",
      "input 'word': shape [] does not match the model's [batch] (rank 0, the model needs rank 1)",
    ],
    [
      "inputs whose shared batch dimension disagrees",
      twoInputs,
      {
        inputs: [
          { name: "a", datatype: "FP32", shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
          { name: "b", datatype: "FP32", shape: [3, 2], data: [1, 2, 3, 4, 5, 6] },
        ],
      },
      "BAD_REQUEST",
      "input 'b' has 3 rows but input 'a' has 2; the model's dimension 'batch' must be the same in both",
    ],
    [
      "more rows than the limit",
      cardFraud,
      { inputs: [features(Array.from({ length: 65 }, (_, r) => row14(r)))] },
      "PAYLOAD_TOO_LARGE",
      "input 'features' has 65 rows, over the limit of 64 per request; split it into smaller requests",
    ],
    [
      "more rows than the limit, before the data is read",
      cardFraud,
      { inputs: [features([], { shape: [100000, 14], data: [] })] },
      "PAYLOAD_TOO_LARGE",
      "input 'features' has 100000 rows, over the limit of 64 per request; split it into smaller requests",
    ],

    // Data length and nesting
    [
      "flat data too short",
      cardFraud,
      { inputs: [features([], { shape: [2, 14], data: new Array(26).fill(0) })] },
      "BAD_REQUEST",
      "input 'features': data has 26 elements but shape [2, 14] needs 28",
    ],
    [
      "flat data too long",
      fixedBatch,
      { inputs: [{ name: "x", datatype: "FP32", shape: [1, 4], data: [1, 2, 3, 4, 5] }] },
      "BAD_REQUEST",
      "input 'x': data has 5 elements but shape [1, 4] needs 4",
    ],
    [
      "a scalar without its element",
      scalar,
      { inputs: [{ name: "t", datatype: "FP32", shape: [], data: [] }] },
      "BAD_REQUEST",
      "input 't': data has 0 elements but shape [] needs 1",
    ],
    [
      "nested data with a short row",
      twoInputs,
      {
        inputs: [
          {
            name: "a",
            datatype: "FP32",
            shape: [2, 3],
            data: [
              [1, 2, 3],
              [4, 5],
            ],
          },
          { name: "b", datatype: "FP32", shape: [2, 2], data: [1, 2, 3, 4] },
        ],
      },
      "BAD_REQUEST",
      "input 'a': nested data does not match shape [2, 3]: data[1] has 2 elements, expected 3",
    ],
    [
      "nested data with too few rows",
      twoInputs,
      {
        inputs: [
          { name: "a", datatype: "FP32", shape: [2, 3], data: [[1, 2, 3]] },
          { name: "b", datatype: "FP32", shape: [2, 2], data: [1, 2, 3, 4] },
        ],
      },
      "BAD_REQUEST",
      "input 'a': nested data does not match shape [2, 3]: data has 1 elements, expected 2",
    ],
    [
      "nested data that turns flat",
      twoInputs,
      {
        inputs: [
          { name: "a", datatype: "FP32", shape: [2, 3], data: [[1, 2, 3], 4, 5, 6] },
          { name: "b", datatype: "FP32", shape: [2, 2], data: [1, 2, 3, 4] },
        ],
      },
      "BAD_REQUEST",
      "input 'a': nested data does not match shape [2, 3]: data has 4 elements, expected 2",
    ],
    [
      "nested data a level short",
      { inputs: [{ name: "c", elementType: "float32", shape: ["batch", 2, 2] }], outputs: [] },
      { inputs: [{ name: "c", datatype: "FP32", shape: [1, 2, 2], data: [[1, 2, 3, 4]] }] },
      "BAD_REQUEST",
      "input 'c': nested data does not match shape [1, 2, 2]: data[0] has 4 elements, expected 2",
    ],
    [
      "nested data with a number where a row should be",
      { inputs: [{ name: "c", elementType: "float32", shape: ["batch", 2, 2] }], outputs: [] },
      { inputs: [{ name: "c", datatype: "FP32", shape: [1, 2, 2], data: [[[1, 2], 3]] }] },
      "BAD_REQUEST",
      "input 'c': nested data does not match shape [1, 2, 2]: data[0][1] is 3, expected an array of 2 elements",
    ],
    [
      "nested data a level too deep",
      fixedBatch,
      { inputs: [{ name: "x", datatype: "FP32", shape: [1, 4], data: [[1, 2, [3], 4]] }] },
      "BAD_REQUEST",
      "input 'x': element [0, 2] (flat index 2) is an array; FP32 elements must be numbers",
    ],
    [
      "nested data for a rank-1 shape",
      words,
      { inputs: [{ name: "word", datatype: "BYTES", shape: [1], data: [["a"]] }] },
      "BAD_REQUEST",
      "input 'word': element 0 is an array; BYTES elements must be strings",
    ],

    // Elements
    [
      "a null element",
      cardFraud,
      { inputs: [features([[...row14(0).slice(0, 3), null, ...row14(0).slice(4)]] as number[][])] },
      "BAD_REQUEST",
      `input 'features': element [0, 3] (flat index 3) is null; FP32 elements must be numbers (a NaN or infinite FP32 element is sent as the string "NaN", "Infinity" or "-Infinity")`,
    ],
    [
      '"nan", a spelling other than "NaN"',
      cardFraud,
      { inputs: [features([row14(0), [...row14(1).slice(0, 13), "nan"]] as number[][])] },
      "BAD_REQUEST",
      `input 'features': element [1, 13] (flat index 27) is the string "nan"; FP32 elements must be numbers (a NaN or infinite FP32 element is sent as the string "NaN", "Infinity" or "-Infinity")`,
    ],
    [
      '"-Infinity" for an integer type',
      counts,
      { inputs: [{ name: "counts", datatype: "INT64", shape: [1, 3], data: [1, "-Infinity", 3] }] },
      "BAD_REQUEST",
      `input 'counts': element [0, 1] (flat index 1) is the string "-Infinity"; INT64 elements must be numbers (INT64 has no NaN or Infinity)`,
    ],
    [
      "NaN from a body that is not JSON",
      cardFraud,
      { inputs: [features([[Number.NaN, ...row14(0).slice(1)]])] },
      "BAD_REQUEST",
      `input 'features': element [0, 0] (flat index 0) is NaN; FP32 elements must be finite numbers (a NaN or infinite FP32 element is sent as the string "NaN", "Infinity" or "-Infinity")`,
    ],
    [
      "Infinity from a body that is not JSON",
      { inputs: [{ name: "v", elementType: "float64", shape: [2] }], outputs: [] },
      { inputs: [{ name: "v", datatype: "FP64", shape: [2], data: [1, Infinity] }] },
      "BAD_REQUEST",
      `input 'v': element 1 is Infinity; FP64 elements must be finite numbers (a NaN or infinite FP64 element is sent as the string "NaN", "Infinity" or "-Infinity")`,
    ],
    [
      "a number as a string",
      cardFraud,
      { inputs: [features([[...row14(0).slice(0, 13), "1.5"]] as number[][])] },
      "BAD_REQUEST",
      `input 'features': element [0, 13] (flat index 13) is the string "1.5"; FP32 elements must be numbers`,
    ],
    [
      "a boolean for FP32",
      cardFraud,
      { inputs: [features([[true, ...row14(0).slice(1)]] as number[][])] },
      "BAD_REQUEST",
      "input 'features': element [0, 0] (flat index 0) is true; FP32 elements must be numbers",
    ],
    [
      "an object for FP32",
      fixedBatch,
      { inputs: [{ name: "x", datatype: "FP32", shape: [1, 4], data: [1, 2, { v: 3 }, 4] }] },
      "BAD_REQUEST",
      "input 'x': element [0, 2] (flat index 2) is an object; FP32 elements must be numbers",
    ],
    [
      "a float beyond FP32",
      fixedBatch,
      { inputs: [{ name: "x", datatype: "FP32", shape: [1, 4], data: [1, 2, 3, 1e39] }] },
      "BAD_REQUEST",
      "input 'x': element [0, 3] (flat index 3) is 1e+39, outside FP32's range ±3.4028234663852886e+38",
    ],
    [
      "a float beyond FP16",
      smallInts,
      smallIntsBody({ f16: [0, -70000] }),
      "BAD_REQUEST",
      "input 'f16': element 1 is -70000, outside FP16's range ±65504",
    ],
    [
      "a fraction for INT64",
      counts,
      { inputs: [{ name: "counts", datatype: "INT64", shape: [1, 3], data: [1, 2.5, 3] }] },
      "BAD_REQUEST",
      "input 'counts': element [0, 1] (flat index 1) is 2.5; INT64 elements must be integers",
    ],
    [
      "an INT64 past 2^53",
      counts,
      { inputs: [{ name: "counts", datatype: "INT64", shape: [1, 3], data: [1, 2, 9007199254740992] }] },
      "BAD_REQUEST",
      "input 'counts': element [0, 2] (flat index 2) is 9007199254740992, outside INT64's range -9007199254740991..9007199254740991 (what a JSON number holds exactly)",
    ],
    [
      "an INT64 as a string",
      counts,
      { inputs: [{ name: "counts", datatype: "INT64", shape: [1, 3], data: ["1", 2, 3] }] },
      "BAD_REQUEST",
      `input 'counts': element [0, 0] (flat index 0) is the string "1"; INT64 elements must be numbers`,
    ],
    [
      "256 for UINT8",
      smallInts,
      smallIntsBody({ u8: [0, 256] }),
      "BAD_REQUEST",
      "input 'u8': element 1 is 256, outside UINT8's range 0..255",
    ],
    [
      "-1 for UINT8",
      smallInts,
      smallIntsBody({ u8: [-1, 0] }),
      "BAD_REQUEST",
      "input 'u8': element 0 is -1, outside UINT8's range 0..255",
    ],
    [
      "-129 for INT8",
      smallInts,
      smallIntsBody({ i8: [-129, 0] }),
      "BAD_REQUEST",
      "input 'i8': element 0 is -129, outside INT8's range -128..127",
    ],
    [
      "65536 for UINT16",
      smallInts,
      smallIntsBody({ u16: [65536, 0] }),
      "BAD_REQUEST",
      "input 'u16': element 0 is 65536, outside UINT16's range 0..65535",
    ],
    [
      "32768 for INT16",
      smallInts,
      smallIntsBody({ i16: [0, 32768] }),
      "BAD_REQUEST",
      "input 'i16': element 1 is 32768, outside INT16's range -32768..32767",
    ],
    [
      "2^32 for UINT32",
      smallInts,
      smallIntsBody({ u32: [4294967296, 0] }),
      "BAD_REQUEST",
      "input 'u32': element 0 is 4294967296, outside UINT32's range 0..4294967295",
    ],
    [
      "2^31 for INT32",
      smallInts,
      smallIntsBody({ i32: [2147483648, 0] }),
      "BAD_REQUEST",
      "input 'i32': element 0 is 2147483648, outside INT32's range -2147483648..2147483647",
    ],
    [
      "-1 for UINT64",
      smallInts,
      smallIntsBody({ u64: [-1, 0] }),
      "BAD_REQUEST",
      "input 'u64': element 0 is -1, outside UINT64's range 0..9007199254740991 (what a JSON number holds exactly)",
    ],
    [
      "a number for BOOL",
      flags,
      { inputs: [{ name: "flags", datatype: "BOOL", shape: [1, 2], data: [true, 1] }] },
      "BAD_REQUEST",
      "input 'flags': element [0, 1] (flat index 1) is 1; BOOL elements must be true or false",
    ],
    [
      "a string for BOOL",
      flags,
      { inputs: [{ name: "flags", datatype: "BOOL", shape: [1, 2], data: [["true", false]] }] },
      "BAD_REQUEST",
      `input 'flags': element [0, 0] (flat index 0) is the string "true"; BOOL elements must be true or false`,
    ],
    [
      "null for BOOL",
      flags,
      { inputs: [{ name: "flags", datatype: "BOOL", shape: [1, 2], data: [false, null] }] },
      "BAD_REQUEST",
      "input 'flags': element [0, 1] (flat index 1) is null; BOOL elements must be true or false",
    ],
    [
      "a number for BYTES",
      words,
      { inputs: [{ name: "word", datatype: "BYTES", shape: [2], data: ["a", 5] }] },
      "BAD_REQUEST",
      "input 'word': element 1 is 5; BYTES elements must be strings",
    ],
    [
      "null for BYTES",
      words,
      { inputs: [{ name: "word", datatype: "BYTES", shape: [1], data: [null] }] },
      "BAD_REQUEST",
      "input 'word': element 0 is null; BYTES elements must be strings",
    ],
    [
      "a long string is cut in the message",
      cardFraud,
      { inputs: [features([["x".repeat(100), ...row14(0).slice(1)]] as number[][])] },
      "BAD_REQUEST",
      `input 'features': element [0, 0] (flat index 0) is the string "${"x".repeat(40)}…"; FP32 elements must be numbers`,
    ],
    [
      "a null scalar",
      scalar,
      { inputs: [{ name: "t", datatype: "FP32", shape: [], data: [null] }] },
      "BAD_REQUEST",
      `input 't': element 0 is null; FP32 elements must be numbers (a NaN or infinite FP32 element is sent as the string "NaN", "Infinity" or "-Infinity")`,
    ],
  ];

  it.each(bad)("refuses %s", (_title, signature, body, code, message) => {
    const error = appErrorOf(() => parseInferRequest(body, signature, LIMITS));
    expect({ code: error.code, message: error.message }).toEqual({ code, message });
  });

  it("reports the first problem in signature order", () => {
    const error = appErrorOf(() =>
      parseInferRequest(
        {
          inputs: [
            { name: "b", datatype: "INT32", shape: [1, 2], data: [1, 2] },
            { name: "a", datatype: "FP32", shape: [1, 4], data: [1, 2, 3, 4] },
          ],
        },
        twoInputs,
        LIMITS,
      ),
    );
    expect(error.message).toBe(
      "input 'a': shape [1, 4] does not match the model's [batch, 3] (dimension 1 must be 3)",
    );
  });
});
