import { describe, expect, it } from "vitest";
import { BatchInputPool, type PassThrough } from "@/server/domain/batch/chunk-batch";
import { CsvBatchReader } from "@/server/domain/batch/csv-batch-reader";
import { CsvCellBytes } from "@/server/domain/batch/csv-cell-bytes";
import { CsvRecordReader, fieldCountReason, type CsvRecord } from "@/server/domain/batch/csv-records";
import { encodeRow, planInputs, type MappedInput } from "@/server/domain/batch/input-plan";
import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { parseBoolCell, parseNumberCell } from "@/server/domain/feature-set/parse-cell";
import type { ElementType, Signature } from "@/server/domain/signature";

// The bytes reader must give what the text path gives (CsvRecordReader, the field count, then
// encodeRow): the same rows, lines, values (as the run's typed array holds them), reasons and
// pass-through. The text path is the reference here, run on the same input.

interface Row {
  line: number;
  values: number[][] | null;
  reason: string | null;
  passThrough: PassThrough;
}

function planFor(columns: string[], elementType: ElementType = "float32", features: Feature[] | null = null) {
  const mapped = features ? features.map((feature) => feature.name) : columns;
  const signature: Signature = {
    inputs: [{ name: "x", elementType, shape: ["batch", mapped.length] }],
    outputs: [{ name: "y", elementType: "float32", shape: ["batch"] }],
  };
  return planInputs({ signature, columns, mapping: null, features });
}

/** As the run sends them: FP32 values rounded to float32. */
const asSent = (plan: MappedInput[], values: number[][]) =>
  values.map((row, i) => (plan[i]!.datatype === "FP32" ? row.map(Math.fround) : row));

function reference(text: string, plan: MappedInput[], columnCount: number, firstLine: number): Row[] {
  const reader = new CsvRecordReader(firstLine);
  const records: CsvRecord[] = [];
  reader.push(text, records);
  reader.end(records);
  return records.map(({ line, cells, text: lineText }) => {
    if (cells.length !== columnCount)
      return {
        line,
        values: null,
        reason: fieldCountReason(cells.length, columnCount),
        passThrough: { cells },
      };
    const encoded = encodeRow(plan, (index) => cells[index]);
    const passThrough = { cells, text: lineText };
    return encoded.ok
      ? { line, values: asSent(plan, encoded.values), reason: null, passThrough }
      : { line, values: null, reason: encoded.reason, passThrough };
  });
}

/** The bytes reader's rows, the input pushed in pieces cut at `cuts` (byte offsets). */
function readBytes(
  bytes: Uint8Array,
  plan: MappedInput[],
  columnCount: number,
  { firstLine = 1, batchRows = 3, cuts = [] as number[] } = {},
): Row[] {
  // Each batch goes back to the pool once read, as a chunk's do once written: reused arrays must not leak values.
  const pool = new BatchInputPool();
  const reader = new CsvBatchReader({ plan, columnCount, firstLine, batchRows, pool });
  const rows: Row[] = [];
  const take = (batch: ReturnType<CsvBatchReader["next"]>) => {
    if (!batch) return false;
    expect(batch.scorable).toBeLessThanOrEqual(batchRows);
    for (let row = 0; row < batch.length; row++) {
      const slot = batch.slots[row]!;
      rows.push({
        line: batch.lines[row]!,
        values: slot < 0 ? null : plan.map((_, i) => Array.from(batch.dataOf(i, slot, 1))),
        reason: slot < 0 ? batch.reasons.get(row)! : null,
        passThrough: batch.passThroughOf(row),
      });
    }
    batch.release();
    return true;
  };
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    reader.push(bytes.slice(start, cut));
    start = cut;
    while (take(reader.next()));
  }
  take(reader.end());
  return rows;
}

const encoder = new TextEncoder();

function expectSame(
  text: string,
  plan: MappedInput[],
  columnCount: number,
  options: { firstLine?: number; batchRows?: number; cuts?: number[] } = {},
) {
  const expected = reference(text, plan, columnCount, options.firstLine ?? 1);
  expect(readBytes(encoder.encode(text), plan, columnCount, options)).toEqual(expected);
  return expected;
}

const numeric = planFor(["a", "b", "c"]);

describe("the CSV bytes reader of a batch chunk", () => {
  it("reads plain numeric lines into the run's values, numbering lines from the chunk's first", () => {
    const rows = expectSame("1,2,3\n-4.5,.5,6e2\n7,8,9\n10,11,12\n", numeric, 3, { firstLine: 10 });
    expect(rows.map((row) => [row.line, row.values])).toEqual([
      [10, [[1, 2, 3]]],
      [11, [[-4.5, 0.5, 600]]],
      [12, [[7, 8, 9]]],
      [13, [[10, 11, 12]]],
    ]);
  });

  it("takes CRLF line ends and skips empty lines (blank, or a lone CR), as the text reader does", () => {
    const rows = expectSame("1,2,3\r\n\r\n\n4,5,6\r\n\n7,8,9\r\r\n10,11,12", numeric, 3);
    expect(rows.map((row) => row.line)).toEqual([1, 4, 6, 7]);
  });

  it("refuses wrong field counts and bad numbers with the text path's reasons, keeping their lines", () => {
    const text = [
      "1,2",
      "1,2,3,4",
      "1,2,",
      ",,",
      "abc,2,3",
      "1,0x1f,3",
      "NaN,2,3",
      "1,Infinity,3",
      "1,2,-Infinity",
      "1e999,2,3",
      "1e,2,3",
      "1.2.3,2,3",
      "--1,2,3",
      " ",
      "1, 2 ,\t3\t",
    ].join("\n");
    const rows = expectSame(text, numeric, 3);
    expect(rows.map((row) => row.reason)).toEqual([
      fieldCountReason(2, 3),
      fieldCountReason(4, 3),
      "column 'c' is empty",
      "column 'a' is empty",
      "column 'a': 'abc' is not a number",
      "column 'b': '0x1f' is not a number",
      "column 'a': 'NaN' is not a number",
      "column 'b': 'Infinity' is not a number",
      "column 'c': '-Infinity' is not a number",
      "column 'a': '1e999' is not a number",
      "column 'a': '1e' is not a number",
      "column 'a': '1.2.3' is not a number",
      "column 'a': '--1' is not a number",
      fieldCountReason(1, 3),
      null,
    ]);
  });

  it("reads exponents and long or tiny numbers exactly as Number() does", () => {
    const cells = [
      "1e5",
      "1.5E-3",
      "-2e+10",
      ".5e1",
      "0.12345678901234567890",
      "123456789012345678901234",
      "1e300",
      "1e-300",
      "5e-324",
      "-0",
      "+0.0e-50",
      "9007199254740993",
      "1.7976931348623157e308",
      "000123.4500",
      "1e0000001",
    ];
    const plan64 = planFor(["a", "b", "c"], "float64");
    const text = cells.map((cell, k) => `${cell},${cells[(k + 1) % cells.length]},1`).join("\n");
    expectSame(text, numeric, 3);
    const rows = expectSame(text, plan64, 3);
    expect(rows.map((row) => row.values![0]![0])).toEqual(cells.map(Number));
  });

  it("gives quoted lines, one-line or across newlines, to the text path and goes on after them", () => {
    const text = '1,2,3\n"4",5,6\n7,"8\n",9\n10,"x,y",12\n13,14,15\n';
    const rows = expectSame(text, numeric, 3, { batchRows: 2 });
    expect(rows.map((row) => [row.line, row.reason])).toEqual([
      [1, null],
      [2, null],
      [3, null], // '8\n' trims to 8
      [5, "column 'b': 'x,y' is not a number"],
      [6, null],
    ]);
    // A quoted value never closed, or a misplaced quote: the chunk is not CSV, as before.
    expect(() => readBytes(encoder.encode('1,2,3\n"4,5,6\n'), numeric, 3)).toThrow(
      "the quote opened on line 2 is never closed",
    );
    expect(() => readBytes(encoder.encode('1,2,3\n1,"2"x,3\n'), numeric, 3)).toThrow(
      "line 2: a quoted value is followed by 'x' instead of a comma",
    );
  });

  it("reads a line cut across reads at any byte the same way", () => {
    const text = '1.25,-2e-3,3\r\n"a\nb",5,6\n\n7,8,9\n1,2\n4,5,6';
    const bytes = encoder.encode(text);
    const expected = reference(text, numeric, 3, 1);
    for (let cut = 0; cut <= bytes.length; cut++)
      expect(readBytes(bytes, numeric, 3, { cuts: [cut], batchRows: 1 }), `cut at ${cut}`).toEqual(expected);
    const everyByte = Array.from({ length: bytes.length }, (_, k) => k);
    expect(readBytes(bytes, numeric, 3, { cuts: everyByte })).toEqual(expected);
  });

  it("copies only the columns the model reads, in the plan's order, and skips the others", () => {
    const features: Feature[] = [
      { name: "amount", dtype: "float", min: null, max: null },
      { name: "country", dtype: "category", categories: ["US", "GB", " "] },
      { name: "present", dtype: "bool" },
    ];
    const plan = planFor(["id", "present", "country", "amount", "note"], "float32", features);
    const text = [
      "7,true,GB,12.5,any text",
      "8,FALSE,US,1,",
      "9, 1 ,US,2,x",
      "10,0,FR,3,x",
      "11,yes,US,3,x",
      "12,true, US,3,x",
      "13,true, ,3,x",
      "14,true,US,3,caf\u00e9",
      "15,,US,3,x",
    ].join("\n");
    const rows = expectSame(text, plan, 5);
    expect(rows.map((row) => row.values ?? row.reason)).toEqual([
      [[12.5, 1, 1]],
      [[1, 0, 0]],
      [[2, 0, 1]],
      "column 'country': 'FR' is not one of its categories (US, GB,  )",
      "column 'present': 'yes' is not true, false, 1 or 0",
      "column 'country': ' US' is not one of its categories (US, GB,  )",
      "column 'country' is empty",
      [[3, 0, 1]],
      "column 'present' is empty",
    ]);
  });

  it("fills several inputs, and one column mapped twice, as encodeRow does", () => {
    const signature: Signature = {
      inputs: [
        { name: "x", elementType: "float32", shape: ["batch", 2] },
        { name: "z", elementType: "float64", shape: ["batch", 2] },
      ],
      outputs: [{ name: "y", elementType: "float32", shape: ["batch"] }],
    };
    const plan = planInputs({
      signature,
      columns: ["a", "b", "c"],
      mapping: { x: ["c", "a"], z: ["a", "b"] },
      features: null,
    });
    expectSame("0.1,2,3\n4,0.3,6\n", plan, 3);
  });

  it("reads integer inputs through the text path only, with its integer check", () => {
    const plan = planFor(["a", "b"], "int64");
    const rows = expectSame("1,2\n1.5,2\n3,4\n", plan, 2);
    expect(rows[1]!.reason).toBe("column 'a': 1.5 is not an integer (input 'x')");
  });

  it("matches the text path on random lines, in random pieces", () => {
    let seed = 3;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = ["0", "1", "9", ".", "-", "+", "e", "E", ",", ",", ",", " ", "\r", "\n", "\n", "x", '"'];
    for (let n = 0; n < 2_000; n++) {
      let text = "";
      for (let k = Math.floor(random() * 40); k > 0; k--)
        text += alphabet[Math.floor(random() * alphabet.length)];
      const bytes = encoder.encode(text);
      const cuts = [Math.floor(random() * bytes.length)];
      let expected: Row[] | Error;
      try {
        expected = reference(text, numeric, 3, 1);
      } catch (error) {
        expected = error as Error;
      }
      if (expected instanceof Error)
        expect(() => readBytes(bytes, numeric, 3, { cuts }), JSON.stringify(text)).toThrow(expected.message);
      else expect(readBytes(bytes, numeric, 3, { cuts }), JSON.stringify(text)).toEqual(expected);
    }
  });
});

describe("CSV cells read from bytes", () => {
  const cellOf = (text: string) => {
    const bytes = encoder.encode(text);
    return { bytes, cells: new CsvCellBytes(), end: bytes.length };
  };

  it("reads a number as parseNumberCell does, or refuses it", () => {
    let seed = 5;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = "0123456789+-.eE \t";
    const texts: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      texts.push(
        Array.from({ length: 1 + Math.floor(random() * 10) }, () => alphabet[Math.floor(random() * 17)]).join(
          "",
        ),
      );
      const digits = Array.from({ length: 1 + Math.floor(random() * 20) }, () =>
        Math.floor(random() * 10),
      ).join("");
      const point = Math.floor(random() * (digits.length + 1));
      const exponent = random() < 0.5 ? "" : `e${Math.floor(random() * 80 - 40)}`;
      texts.push(`${random() < 0.3 ? "-" : ""}${digits.slice(0, point)}.${digits.slice(point)}${exponent}`);
    }
    for (const text of texts) {
      const { bytes, cells, end } = cellOf(text);
      expect(cells.number(bytes, 0, end), JSON.stringify(text)).toBe(parseNumberCell(text) ?? Number.NaN);
    }
  });

  it("reads a boolean as parseBoolCell does, or refuses it", () => {
    for (const text of [
      "true",
      "TRUE",
      " True ",
      "false",
      "FaLsE",
      "1",
      "0",
      " 0",
      "yes",
      "",
      "t",
      "truee",
      "2",
    ]) {
      const { bytes, cells, end } = cellOf(text);
      const expected = parseBoolCell(text);
      expect(cells.bool(bytes, 0, end), text).toBe(expected === null || text === "" ? -1 : Number(expected));
    }
  });
});
