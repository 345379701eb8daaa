import { describe, expect, it } from "vitest";
import { canMergeRows, planRuns, requestRows, type FlatTensor } from "@/server/domain/inference/batch-merge";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import type { Signature } from "@/server/domain/signature";

const twoInputs: Signature = {
  inputs: [
    { name: "a", elementType: "float32", shape: ["batch", 3] },
    { name: "b", elementType: "int64", shape: [null, 2] },
  ],
  outputs: [
    { name: "sum", elementType: "float32", shape: ["batch"] },
    { name: "pairs", elementType: "int64", shape: ["batch", 2] },
  ],
};

const a = (rows: number[][]): WireTensor => ({
  name: "a",
  datatype: "FP32",
  shape: [rows.length, 3],
  data: rows.flat(),
});
const b = (rows: number[][]): WireTensor => ({
  name: "b",
  datatype: "INT64",
  shape: [rows.length, 2],
  data: rows.flat(),
});

describe("canMergeRows", () => {
  it("needs a dynamic first dimension on every input and output", () => {
    expect(canMergeRows(twoInputs)).toBe(true);
    expect(
      canMergeRows({
        inputs: [{ name: "x", elementType: "float32", shape: [1, 4] }],
        outputs: [{ name: "y", elementType: "float32", shape: [1, 2] }],
      }),
    ).toBe(false);
    expect(
      canMergeRows({
        inputs: [{ name: "x", elementType: "float32", shape: [] }],
        outputs: [{ name: "y", elementType: "float32", shape: ["n"] }],
      }),
    ).toBe(false);
    expect(
      canMergeRows({
        inputs: [{ name: "x", elementType: "float32", shape: ["n", 4] }],
        outputs: [{ name: "mean", elementType: "float32", shape: [4] }],
      }),
    ).toBe(false);
    expect(canMergeRows({ inputs: [], outputs: [] })).toBe(false);
  });
});

describe("planRuns", () => {
  it("concatenates requests along dimension 0, whatever order their inputs come in, and splits outputs back", () => {
    const requests = [
      { inputs: [a([[1, 2, 3]]), b([[10, 11]])] },
      {
        inputs: [
          b([
            [20, 21],
            [30, 31],
          ]),
          a([
            [4, 5, 6],
            [7, 8, 9],
          ]),
        ],
      },
    ];
    const [run, ...rest] = planRuns(twoInputs, requests);
    expect(rest).toEqual([]);
    expect(run).toMatchObject({
      merged: true,
      rows: 3,
      rowOffsets: [0, 1, 3],
      requestIndices: [0, 1],
      outputNames: ["sum", "pairs"],
    });
    expect(run!.inputs).toEqual([
      a([
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ]),
      b([
        [10, 11],
        [20, 21],
        [30, 31],
      ]),
    ]);

    const outputs: FlatTensor<Float32Array | BigInt64Array>[] = [
      { name: "sum", datatype: "FP32", shape: [3], data: Float32Array.of(6, 15, 24) },
      { name: "pairs", datatype: "INT64", shape: [3, 2], data: BigInt64Array.of(1n, 2n, 3n, 4n, 5n, 6n) },
    ];
    const [first, second] = run!.split(outputs);
    expect(first!.map((t) => [t.name, t.shape, Array.from(t.data as ArrayLike<unknown>)])).toEqual([
      ["sum", [1], [6]],
      ["pairs", [1, 2], [1n, 2n]],
    ]);
    expect(second!.map((t) => [t.name, t.shape, Array.from(t.data as ArrayLike<unknown>)])).toEqual([
      ["sum", [2], [15, 24]],
      ["pairs", [2, 2], [3n, 4n, 5n, 6n]],
    ]);
    // Typed arrays are cut as views of the run's output, not copied.
    expect(second![0]!.data.buffer).toBe(outputs[0]!.data.buffer);
  });

  it("splits plain arrays too", () => {
    const [run] = planRuns(twoInputs, [
      { inputs: [a([[1, 1, 1]]), b([[1, 1]])] },
      { inputs: [a([[2, 2, 2]]), b([[2, 2]])] },
    ]);
    const split = run!.split([
      { name: "sum", datatype: "FP32", shape: [2], data: [3, 6] },
      { name: "pairs", datatype: "INT64", shape: [2, 2], data: [1, 1, 2, 2] },
    ]);
    expect(split.map((outputs) => outputs.map((t) => t.data))).toEqual([
      [[3], [1, 1]],
      [[6], [2, 2]],
    ]);
  });

  it("runs every output some request asked for and gives each request the ones it asked for, in its order", () => {
    const requests = [
      { inputs: [a([[1, 2, 3]]), b([[1, 2]])], outputNames: ["pairs"] },
      { inputs: [a([[4, 5, 6]]), b([[3, 4]])], outputNames: ["pairs", "sum"] },
      { inputs: [a([[7, 8, 9]]), b([[5, 6]])] },
    ];
    const [run] = planRuns(twoInputs, requests);
    expect(run!.outputNames).toEqual(["sum", "pairs"]);
    const split = run!.split([
      { name: "pairs", datatype: "INT64", shape: [3, 2], data: [1, 2, 3, 4, 5, 6] },
      { name: "sum", datatype: "FP32", shape: [3], data: [6, 15, 24] },
    ]);
    expect(split.map((outputs) => outputs.map((t) => `${t.name}=${t.data.join(",")}`))).toEqual([
      ["pairs=1,2"],
      ["pairs=3,4", "sum=15"],
      ["sum=24", "pairs=5,6"],
    ]);

    const [only] = planRuns(twoInputs, [requests[0]!, requests[0]!]);
    expect(only!.outputNames).toEqual(["pairs"]);
  });

  it("runs each request alone when the model has a fixed batch, scalar inputs or an output without a batch dimension", () => {
    const fixed: Signature = {
      inputs: [{ name: "x", elementType: "float32", shape: [1, 4] }],
      outputs: [{ name: "y", elementType: "float32", shape: [1, 2] }],
    };
    const x = (values: number[]): WireTensor => ({
      name: "x",
      datatype: "FP32",
      shape: [1, 4],
      data: values,
    });
    const runs = planRuns(fixed, [{ inputs: [x([1, 2, 3, 4])] }, { inputs: [x([5, 6, 7, 8])] }]);
    expect(runs.map((run) => [run.merged, run.requestIndices, run.rows, run.outputNames])).toEqual([
      [false, [0], 1, ["y"]],
      [false, [1], 1, ["y"]],
    ]);
    expect(runs[1]!.inputs[0]!.data).toEqual([5, 6, 7, 8]);
    const output = { name: "y", datatype: "FP32" as const, shape: [1, 2], data: [1, 2] };
    expect(runs[0]!.split([output])).toEqual([[output]]);

    const scalar: Signature = {
      inputs: [{ name: "t", elementType: "float32", shape: [] }],
      outputs: [{ name: "u", elementType: "float32", shape: [] }],
    };
    const t: WireTensor = { name: "t", datatype: "FP32", shape: [], data: [1] };
    expect(requestRows({ inputs: [t] })).toBe(1);
    expect(planRuns(scalar, [{ inputs: [t] }, { inputs: [t] }]).map((run) => run.merged)).toEqual([
      false,
      false,
    ]);
  });

  it("leaves out of the merge a request that does not fit the signature, so onnxruntime reports its own error", () => {
    const good = { inputs: [a([[1, 2, 3]]), b([[1, 2]])] };
    const wrongWidth = {
      inputs: [{ name: "a", datatype: "FP32" as const, shape: [1, 4], data: [1, 2, 3, 4] }, b([[1, 2]])],
    };
    const wrongType = { inputs: [{ ...a([[1, 2, 3]]), datatype: "FP64" as const }, b([[1, 2]])] };
    const missingInput = { inputs: [a([[1, 2, 3]])] };
    const rowMismatch = {
      inputs: [
        a([[1, 2, 3]]),
        b([
          [1, 2],
          [3, 4],
        ]),
      ],
    };
    const shortData = { inputs: [{ ...a([[1, 2, 3]]), data: [1, 2] }, b([[1, 2]])] };
    const unknownOutput = { ...good, outputNames: ["nope"] };
    const runs = planRuns(twoInputs, [
      good,
      wrongWidth,
      good,
      wrongType,
      missingInput,
      rowMismatch,
      shortData,
      unknownOutput,
      good,
    ]);
    expect(runs.map((run) => [run.merged, run.requestIndices])).toEqual([
      [true, [0, 2, 8]],
      [false, [1]],
      [false, [3]],
      [false, [4]],
      [false, [5]],
      [false, [6]],
      [false, [7]],
    ]);
    expect(runs.find((run) => run.requestIndices[0] === 7)!.outputNames).toEqual(["nope"]);
  });

  it("runs a zero-row request alone, so its answer is onnxruntime's own for an empty batch, and merges the others", () => {
    const one = { inputs: [a([[1, 2, 3]]), b([[1, 2]])] };
    const none = { inputs: [a([]), b([])] };
    const runs = planRuns(twoInputs, [one, none, one]);
    expect(runs.map((run) => [run.merged, run.requestIndices, run.rows])).toEqual([
      [true, [0, 2], 2],
      [false, [1], 0],
    ]);
    expect(runs[1]!.inputs.map((input) => input.shape)).toEqual([
      [0, 3],
      [0, 2],
    ]);
  });

  it("groups requests whose dynamic inner dimensions differ", () => {
    const sequence: Signature = {
      inputs: [{ name: "tokens", elementType: "int64", shape: ["batch", "length"] }],
      outputs: [{ name: "pooled", elementType: "float32", shape: ["batch", 8] }],
    };
    const tokens = (rows: number, length: number): WireTensor => ({
      name: "tokens",
      datatype: "INT64",
      shape: [rows, length],
      data: new Array(rows * length).fill(1),
    });
    const runs = planRuns(sequence, [
      { inputs: [tokens(1, 5)] },
      { inputs: [tokens(2, 7)] },
      { inputs: [tokens(3, 5)] },
      { inputs: [tokens(1, 7)] },
    ]);
    expect(runs.map((run) => [run.requestIndices, run.inputs[0]!.shape])).toEqual([
      [
        [0, 2],
        [4, 5],
      ],
      [
        [1, 3],
        [3, 7],
      ],
    ]);
  });

  it("bounds the rows of a merged run", () => {
    const x = (rows: number) => ({
      inputs: [
        a(Array.from({ length: rows }, () => [0, 0, 0])),
        b(Array.from({ length: rows }, () => [0, 0])),
      ],
    });
    const runs = planRuns(twoInputs, [x(3), x(4), x(2), x(9), x(1)], { maxRows: 8 });
    expect(runs.map((run) => [run.requestIndices, run.rows, run.merged])).toEqual([
      [[0, 1], 7, true],
      [[2], 2, false],
      [[3], 9, false],
      [[4], 1, false],
    ]);
  });

  it("refuses to split outputs that do not have the run's rows", () => {
    const [run] = planRuns(twoInputs, [
      { inputs: [a([[1, 2, 3]]), b([[1, 2]])] },
      { inputs: [a([[1, 2, 3]]), b([[1, 2]])] },
    ]);
    expect(() =>
      run!.split([
        { name: "sum", datatype: "FP32", shape: [1], data: [1] },
        { name: "pairs", datatype: "INT64", shape: [2, 2], data: [1, 2, 3, 4] },
      ]),
    ).toThrow("output 'sum' has 1 rows, the merged run had 2");
  });
});
