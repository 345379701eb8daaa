import { describe, expect, it } from "vitest";
import { parseCsv } from "@/server/domain/feature-set/csv";
import { appErrorOf } from "@/test/unit/feature-set/app-error-of";

const parse = (text: string, maxRows = 1000) => parseCsv(text, { maxRows });

describe("parseCsv", () => {
  it("reads the header and data rows", () => {
    expect(parse("a,b\n1,2\n3,4\n")).toEqual({
      columns: ["a", "b"],
      rows: [
        ["1", "2"],
        ["3", "4"],
      ],
      rowLines: [2, 3],
    });
  });

  it("strips a byte order mark and reads CRLF line endings", () => {
    expect(parse("\uFEFFage,city\r\n30,Paris\r\n41,Lyon\r\n")).toEqual({
      columns: ["age", "city"],
      rows: [
        ["30", "Paris"],
        ["41", "Lyon"],
      ],
      rowLines: [2, 3],
    });
  });

  it("reads a file that mixes CRLF and LF line endings", () => {
    expect(parse("a,b\r\n1,2\n3,4\r\n").rows).toEqual([
      ["1", "2"],
      ["3", "4"],
    ]);
  });

  it("keeps commas inside quoted values", () => {
    expect(parse('name,note\nx,"red, green"\n').rows).toEqual([["x", "red, green"]]);
  });

  it("trims spaces around values and header names", () => {
    expect(parse(" a , b \n 3 , x \n")).toMatchObject({ columns: ["a", "b"], rows: [["3", "x"]] });
  });

  it("keeps empty cells as empty strings and skips blank lines", () => {
    const csv = parse("a,b\n1,\n\n,2\n");
    expect(csv.rows).toEqual([
      ["1", ""],
      ["", "2"],
    ]);
    expect(csv.rowLines).toEqual([2, 4]);
  });

  it("gives the start line of a row whose quoted value spans lines", () => {
    const csv = parse('a,b\n1,"two\nlines"\n3,4\n');
    expect(csv.rowLines).toEqual([2, 4]);
  });

  it("reads a last line without a newline", () => {
    expect(parse("a\n1\n2").rows).toEqual([["1"], ["2"]]);
  });

  it("rejects an empty file", () => {
    expect(appErrorOf(() => parse("")).message).toMatch(/empty/);
    expect(appErrorOf(() => parse("\uFEFF\n\n")).code).toBe("BAD_REQUEST");
  });

  it("rejects a header without data rows", () => {
    expect(appErrorOf(() => parse("a,b\n")).message).toBe("the CSV file has a header but no data rows");
  });

  it("rejects an empty header name, naming its position", () => {
    expect(appErrorOf(() => parse("a,,c\n1,2,3\n")).message).toBe("header column 2 has an empty name");
  });

  it("rejects a duplicate header name", () => {
    expect(appErrorOf(() => parse("a,b,a\n1,2,3\n")).message).toBe(
      "header column name 'a' appears more than once",
    );
  });

  it("rejects a ragged row, naming its line", () => {
    const error = appErrorOf(() => parse("a,b\n1,2\n\n3\n"));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("line 4 has 1 field but the header has 2 columns");
    expect(appErrorOf(() => parse("a,b\n1,2,3\n")).message).toBe(
      "line 2 has 3 fields but the header has 2 columns",
    );
  });

  it("turns a malformed quote into a BAD_REQUEST naming the line", () => {
    const error = appErrorOf(() => parse('a,b\n1,"open\n'));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(/^the file is not valid CSV: .*line 2/);
  });

  it("accepts exactly the maximum row count", () => {
    expect(parse("a\n1\n2\n3\n", 3).rows).toHaveLength(3);
  });

  it("rejects one row more than the maximum", () => {
    const error = appErrorOf(() => parse("a\n1\n2\n3\n4\n", 3));
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error.message).toMatch(/more than 3 data rows/);
  });

  it("stops reading once past the limit instead of parsing the whole file", () => {
    // The broken quote at the end is never reached when parsing stops at row 4.
    const error = appErrorOf(() => parse("a,b\n" + "1,2\n".repeat(100_000) + '3,"broken\n', 3));
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});
