import { describe, expect, it } from "vitest";
import { CsvRecordReader, type CsvRecord } from "@/server/domain/batch/csv-records";

function read(text: string, firstLine = 1, pieces = 4): CsvRecord[] {
  const reader = new CsvRecordReader(firstLine);
  const out: CsvRecord[] = [];
  const step = Math.ceil(text.length / pieces);
  for (let start = 0; start < text.length; start += step) reader.push(text.slice(start, start + step), out);
  reader.end(out);
  return out;
}

describe("CSV records of a batch chunk", () => {
  it("splits plain lines, skips empty ones, and numbers each record by the line it starts on", () => {
    expect(read("1,2,3\r\n\n4,,6\n7,8", 10)).toEqual([
      { line: 10, cells: ["1", "2", "3"], text: "1,2,3" },
      { line: 12, cells: ["4", "", "6"], text: "4,,6" },
      { line: 13, cells: ["7", "8"], text: "7,8" },
    ]);
  });

  it("reads quoted values with commas, doubled quotes and newlines", () => {
    expect(read('a,"b,c","say ""hi""",\n"multi\nline",x\n5,6\n', 2, 7)).toEqual([
      { line: 2, cells: ["a", "b,c", 'say "hi"', ""] },
      { line: 3, cells: ["multi\nline", "x"] },
      { line: 5, cells: ["5", "6"], text: "5,6" },
    ]);
  });

  it("says where a quote is never closed, or misplaced", () => {
    expect(() => read('1,2\n"3,4\n5,6\n')).toThrow("the quote opened on line 2 is never closed");
    expect(() => read('1,"2"x\n')).toThrow(`line 1: a quoted value is followed by 'x' instead of a comma`);
    expect(() => read('1,a"b"\n')).toThrow("line 1: a quote inside an unquoted value");
  });
});
