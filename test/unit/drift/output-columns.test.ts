import { describe, expect, it } from "vitest";
import { outputColumnsOf, ZLoggedOutputs, MAX_OUTPUT_COLUMNS } from "@/server/domain/drift/output-columns";
import { OutputWindow } from "@/server/domain/drift/output-window";

describe("output columns", () => {
  it("makes a column of a width-1 output and one per position of a wider one", () => {
    const columns = outputColumnsOf([
      { name: "probability", datatype: "FP32", shape: [3, 1], data: [0.1, 0.5, 0.9] },
      { name: "label", datatype: "INT64", shape: [3], data: [0, 1, 1] },
      { name: "probabilities", datatype: "FP32", shape: [3, 2], data: [0.9, 0.1, 0.5, 0.5, 0.1, 0.9] },
    ]);
    expect(columns).toEqual([
      { name: "probability", kind: "numeric", values: [0.1, 0.5, 0.9] },
      { name: "label", kind: "categorical", values: ["0", "1", "1"] },
      { name: "probabilities[0]", kind: "numeric", values: [0.9, 0.5, 0.1] },
      { name: "probabilities[1]", kind: "numeric", values: [0.1, 0.5, 0.9] },
    ]);
  });

  it("reads bool and string outputs as labels by their text, and a logged null as missing", () => {
    const outputs = ZLoggedOutputs.parse(
      JSON.parse(
        JSON.stringify([
          { name: "flag", datatype: "BOOL", shape: [2], data: [true, false] },
          { name: "class", datatype: "BYTES", shape: [2, 1], data: ["cat", "dog"] },
          // JSON turns the model's NaN into null, as the prediction log stores it.
          { name: "score", datatype: "FP64", shape: [2], data: [Number.NaN, 2.5] },
        ]),
      ),
    );
    expect(outputColumnsOf(outputs)).toEqual([
      { name: "flag", kind: "categorical", values: ["true", "false"] },
      { name: "class", kind: "categorical", values: ["cat", "dog"] },
      { name: "score", kind: "numeric", values: [null, 2.5] },
    ]);
  });

  it('reads a float output\'s "NaN" as missing and its infinities as values', () => {
    const outputs = ZLoggedOutputs.parse([
      { name: "score", datatype: "FP32", shape: [4], data: [1.5, "NaN", "Infinity", "-Infinity"] },
    ]);
    const columns = outputColumnsOf(outputs)!;
    expect(columns).toEqual([
      { name: "score", kind: "numeric", values: [1.5, Number.NaN, Infinity, -Infinity] },
    ]);
    const window = new OutputWindow();
    window.addSample(outputs);
    expect(window.liveValues("score")).toEqual({
      kind: "numeric",
      sorted: Float64Array.from([-Infinity, 1.5, Infinity]),
      missingCount: 1,
    });
  });

  it("refuses a tensor whose data does not fill its columns", () => {
    expect(outputColumnsOf([{ name: "p", datatype: "FP32", shape: [2, 2], data: [1, 2, 3] }])).toBeNull();
  });
});

describe("output window", () => {
  it("counts rows and missing values per column, and unreadable samples apart", () => {
    const window = new OutputWindow();
    window.addSample([
      { name: "probability", datatype: "FP32", shape: [2, 1], data: [0.2, null] },
      { name: "label", datatype: "INT64", shape: [2], data: [0, 1] },
    ]);
    window.addSample([{ name: "probability", datatype: "FP32", shape: [2, 2], data: [1] }]);
    // The same name as a label now: not the same column, so the sample is not read.
    window.addSample([{ name: "probability", datatype: "INT64", shape: [1], data: [1] }]);
    expect(window.rowCount).toBe(2);
    expect(window.unreadableSampleCount).toBe(2);
    expect(window.columnNames()).toEqual(["probability", "label"]);
    expect(window.liveValues("probability")).toEqual({
      kind: "numeric",
      sorted: Float64Array.from([0.2]),
      missingCount: 1,
    });
    expect(window.liveValues("label")).toEqual({
      kind: "categorical",
      counts: new Map([
        ["0", 1],
        ["1", 1],
      ]),
      missingCount: 0,
    });
    expect(window.liveValues("nothing")).toBeUndefined();
  });

  it("keeps at most MAX_OUTPUT_COLUMNS columns of a wide output", () => {
    const window = new OutputWindow({ reservoirValues: 10 });
    const width = MAX_OUTPUT_COLUMNS + 8;
    window.addSample([
      {
        name: "embedding",
        datatype: "FP32",
        shape: [1, width],
        data: Array.from({ length: width }, (_, j) => j),
      },
    ]);
    expect(window.columnNames()).toHaveLength(MAX_OUTPUT_COLUMNS);
    expect(window.columnNames().at(-1)).toBe(`embedding[${MAX_OUTPUT_COLUMNS - 1}]`);
  });
});
