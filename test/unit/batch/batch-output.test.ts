import { describe, expect, it } from "vitest";
import type { BatchOutputFormat } from "@/server/domain/batch/batch-spec";
import { CsvBatchReader } from "@/server/domain/batch/csv-batch-reader";
import { planInputs } from "@/server/domain/batch/input-plan";
import {
  csvField,
  predictionCells,
  predictionValues,
  RunPredictions,
  splitPredictions,
  type RowPredictions,
} from "@/server/domain/batch/prediction-columns";
import type { WireTensor } from "@/server/domain/inference/datatypes";
import { batchOutput, outputLine, type BatchPredictions } from "@/workers/batch/output-lines";

// A batch's output written from the bytes of its plain lines must equal what outputLine writes
// row by row from each row's pass-through and predictions objects (the path it replaces).

const outputs: WireTensor[] = [
  {
    name: "score",
    datatype: "FP32",
    shape: [4, 2],
    data: [0.1, 0.9, 0.30000001192092896, 0.7, 1e-7, 1, -0, 5e21],
  },
  { name: "2", datatype: "INT64", shape: [4], data: [1, 0, -3, 9007199254740991] },
  { name: "tag", datatype: "BYTES", shape: [4], data: ["a,b", 'say "hi"', "plain", "caf\u00e9"] },
  { name: "ok", datatype: "BOOL", shape: [4], data: [true, false, true, false] },
];

/** A row's CSV cells as writeCsvCells gives them, joined into one string. */
function csvCells(run: RunPredictions, row: number): string {
  let text = "";
  run.writeCsvCells(row, { text: (piece, start, end) => (text += piece.slice(start, end)) });
  return text;
}

/** The cells as they were written before writeCsvCells: a String() (or csvField) per value. */
const oldCells = (predictions: RowPredictions) => predictionCells(predictions).map(csvField).join(",");

describe("prediction cells of a run", () => {
  it("gives each row's cells, values and object as splitPredictions and predictionCells do", () => {
    const run = new RunPredictions(outputs, 4);
    const rows = splitPredictions(outputs, 4);
    rows.forEach((predictions, row) => {
      expect(run.predictions(row)).toEqual(predictions);
      expect(run.values(row)).toEqual(predictionValues(predictions));
      expect(csvCells(run, row)).toBe(oldCells(predictions));
    });
    // An integer-like output name comes first in a row's object, so in its cells too.
    expect(csvCells(run, 0)).toBe('1,0.1,0.9,"a,b",true');
  });

  it("formats random floats, doubles and edge values exactly as String() does, and they read back", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const float32 = new Float32Array(1);
    const asFloat32 = (value: number) => ((float32[0] = value), float32[0]);
    const rows = 4096;
    // Scores as the session thread hands them over (float32 widened), doubles over many
    // magnitudes, and integers: the cells must be String()'s, which reads back to the same number.
    const scores = Array.from({ length: rows * 3 }, () => asFloat32(random()));
    const doubles = Array.from(
      { length: rows },
      () => (random() - 0.5) * 10 ** Math.floor(random() * 60 - 30),
    );
    const edges = [0, -0, 1e21, 5e-324, -1.7976931348623157e308, 1e-7, 123456789012, 0.1, 2 ** 53];
    for (let k = 0; k < edges.length; k++) doubles[k * 97] = edges[k]!;
    const labels = Array.from({ length: rows }, () => Math.floor(random() * 2 ** 40) - 2 ** 39);
    const run = [
      { name: "score", datatype: "FP32" as const, shape: [rows, 3], data: scores },
      { name: "value", datatype: "FP64" as const, shape: [rows], data: doubles },
      { name: "label", datatype: "INT64" as const, shape: [rows], data: labels },
    ];
    const predictions = new RunPredictions(run, rows);
    splitPredictions(run, rows).forEach((expected, row) => {
      const cells = csvCells(predictions, row);
      expect(cells).toBe(oldCells(expected));
      // -0 reads back as 0: String(-0) is "0".
      const values = predictionValues(expected).map((value) => (value === 0 ? 0 : value));
      expect(cells.split(",").map(Number)).toEqual(values);
    });
  });

  it("writes non-finite numbers, booleans and strings as String() and csvField do", () => {
    const run = [
      { name: "score", datatype: "FP32" as const, shape: [3], data: [Number.NaN, Infinity, 0.5] },
      { name: "ok", datatype: "BOOL" as const, shape: [3], data: [true, false, true] },
      { name: "tag", datatype: "BYTES" as const, shape: [3], data: ['a"b', "x\ny", "plain"] },
    ];
    const predictions = new RunPredictions(run, 3);
    const cells = [0, 1, 2].map((row) => csvCells(predictions, row));
    expect(cells).toEqual(['NaN,true,"a""b"', 'Infinity,false,"x\ny"', "0.5,true,plain"]);
    splitPredictions(run, 3).forEach((expected, row) => expect(cells[row]).toBe(oldCells(expected)));
  });
});

describe("a batch's output", () => {
  const columns = ["a", "b", "c"];
  const plan = planInputs({
    signature: {
      inputs: [{ name: "x", elementType: "float32", shape: ["batch", 3] }],
      outputs: [{ name: "score", elementType: "float32", shape: ["batch", 2] }],
    },
    columns,
    mapping: null,
    features: null,
  });
  // Plain lines (kept as bytes; spaces around a number are fine), a quoted one (text path, scorable), refused rows.
  const text = '1,2,3\n"4",5,6\nx,1,2\n7,8\n 9,10,11\n12,13,14\r\n';

  function batchOf() {
    const reader = new CsvBatchReader({ plan, columnCount: 3, firstLine: 5, batchRows: 10 });
    reader.push(new TextEncoder().encode(text));
    expect(reader.next()).toBeNull();
    const batch = reader.end()!;
    expect(batch.scorable).toBe(4);
    return batch;
  }

  /** The old way: outputLine per row, from its pass-through and its outcome. */
  function expected(format: BatchOutputFormat, predictions: BatchPredictions) {
    const batch = batchOf();
    let output = "";
    let errors = "";
    for (let row = 0; row < batch.length; row++) {
      const slot = batch.slots[row]!;
      let outcome: Parameters<typeof outputLine>[3];
      if (slot < 0) outcome = { error: batch.reasons.get(row)!, predictionColumnCount: 6 };
      else if ("whole" in predictions) outcome = { predictions: splitPredictions(outputs, 4)[slot]! };
      else {
        const own = predictions.alone[slot]!;
        outcome =
          typeof own === "string"
            ? { error: own, predictionColumnCount: 6 }
            : { predictions: own.predictions(0) };
      }
      if ("error" in outcome)
        errors += `${JSON.stringify({ line: batch.lines[row], reason: outcome.error })}\n`;
      output += outputLine(format, columns, batch.passThroughOf(row), outcome);
    }
    return { output, errors };
  }

  it("copies plain lines as bytes and writes the others as before, in every output format", () => {
    const whole: BatchPredictions = { whole: new RunPredictions(outputs, 4) };
    for (const format of ["csv", "jsonl", "parquet"] as const) {
      const written = batchOutput(format, columns, 6, batchOf(), whole);
      const old = expected(format, whole);
      expect(new TextDecoder().decode(written.output), format).toBe(old.output);
      expect(written.errors).toBe(old.errors);
      expect(written.failed).toBe(2);
    }
    const csv = new TextDecoder().decode(batchOutput("csv", columns, 6, batchOf(), whole).output);
    expect(csv.split("\n")[0]).toBe('1,2,3,1,0.1,0.9,"a,b",true');
    expect(csv.split("\n")[5]).toBe("12,13,14,9007199254740991,0,5e+21,caf\u00e9,false");
  });

  it("writes each row's own run, or its error, when the batch's run failed", () => {
    const single = (row: number) =>
      new RunPredictions(
        outputs.map((output) => ({
          ...output,
          shape: [1, ...output.shape.slice(1)],
          data: (output.data as unknown[]).slice(
            row * (output.data.length / 4),
            (row + 1) * (output.data.length / 4),
          ) as WireTensor["data"],
        })),
        1,
      );
    const alone: BatchPredictions = {
      alone: [single(0), "the model failed on this row: bad", single(2), single(3)],
    };
    const written = batchOutput("csv", columns, 6, batchOf(), alone);
    const old = expected("csv", alone);
    expect(new TextDecoder().decode(written.output)).toBe(old.output);
    expect(written.errors).toBe(old.errors);
    expect(written.failed).toBe(3);
  });
});
