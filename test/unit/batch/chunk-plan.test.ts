import { describe, expect, it } from "vitest";
import { planRowRanges, RecordScanner } from "@/server/domain/batch/chunk-plan";

const encode = (text: string) => new TextEncoder().encode(text);

function scan(text: string, chunkRows: number, csv = true, pieces = 3) {
  const scanner = new RecordScanner({ chunkRows, csv });
  const bytes = encode(text);
  const step = Math.ceil(bytes.length / pieces);
  for (let start = 0; start < bytes.length; start += step) scanner.push(bytes.subarray(start, start + step));
  return { plan: scanner.finish(), bytes };
}

const slice = (bytes: Uint8Array, start: number | null, end: number | null) =>
  new TextDecoder().decode(bytes.subarray(start!, end!));

describe("the chunk plan of a text input", () => {
  it("cuts CSV data rows into chunks of the asked size at record ends, after the header", () => {
    const { plan, bytes } = scan("a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n", 2);
    expect(plan.totalRows).toBe(5);
    expect(plan.chunks.map((c) => [c.rowStart, c.rowCount, c.firstLine])).toEqual([
      [0, 2, 2],
      [2, 2, 4],
      [4, 1, 6],
    ]);
    expect(plan.chunks.map((c) => slice(bytes, c.byteStart, c.byteEnd))).toEqual([
      "1,2\n3,4\n",
      "5,6\n7,8\n",
      "9,10\n",
    ]);
  });

  it("keeps a quoted newline inside its record, and counts empty lines as no row", () => {
    const { plan, bytes } = scan('a,b\n"x\ny",1\n\n2,3\n4,5', 2, true, 7);
    expect(plan.totalRows).toBe(3);
    expect(plan.chunks.map((c) => slice(bytes, c.byteStart, c.byteEnd))).toEqual([
      '"x\ny",1\n\n2,3\n',
      "4,5",
    ]);
    expect(plan.chunks[1]!.firstLine).toBe(6);
  });

  it("reads JSONL without a header, whatever the quotes inside the strings", () => {
    const { plan } = scan('{"a":"say \\"hi"}\n{"a":1}\n{"a":2}\n', 2, false);
    expect(plan.totalRows).toBe(3);
    expect(plan.chunks.map((c) => [c.rowCount, c.firstLine])).toEqual([
      [2, 1],
      [1, 3],
    ]);
  });

  it("says so when a CSV file has no header, and when it has no rows", () => {
    expect(scan("", 2).plan.sawHeader).toBe(false);
    const headerOnly = scan("a,b\n", 2).plan;
    expect([headerOnly.sawHeader, headerOnly.totalRows, headerOnly.chunks.length]).toEqual([true, 0, 0]);
  });

  it("cuts Parquet rows by index", () => {
    expect(planRowRanges(5, 2).map((c) => [c.rowStart, c.rowCount, c.firstLine])).toEqual([
      [0, 2, 1],
      [2, 2, 3],
      [4, 1, 5],
    ]);
  });
});
