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

describe("prediction cells of a run", () => {
  it("gives each row's cells, values and object as splitPredictions and predictionCells do", () => {
    const run = new RunPredictions(outputs, 4);
    const rows = splitPredictions(outputs, 4);
    rows.forEach((predictions, row) => {
      expect(run.predictions(row)).toEqual(predictions);
      expect(run.values(row)).toEqual(predictionValues(predictions));
      expect(run.csvCells(row)).toBe(predictionCells(predictions).map(csvField).join(","));
    });
    // An integer-like output name comes first in a row's object, so in its cells too.
    expect(run.csvCells(0)).toBe('1,0.1,0.9,"a,b",true');
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
