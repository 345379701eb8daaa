import { describe, expect, it } from "vitest";
import { MAX_SAMPLE_COLUMNS, scanCsv } from "@/server/domain/feature-set/csv";
import { rejectedAppError } from "@/test/unit/feature-set/app-error-of";
import { chunksOf, scanText } from "@/test/unit/feature-set/csv-text";

/** The header, the rows and the line each row starts on, as scanCsv hands them over. */
function parse(text: string | Uint8Array, maxRows = 1000, chunkBytes = 5) {
  return scanText(
    text,
    (columns) => {
      const rows: string[][] = [];
      const rowLines: number[] = [];
      return {
        addRow: ({ cells, line }) => void (rows.push(cells), rowLines.push(line)),
        finish: () => ({ columns, rows, rowLines }),
      };
    },
    { maxRows, chunkBytes },
  );
}

describe("scanCsv", () => {
  it("reads the header and data rows", async () => {
    expect(await parse("a,b\n1,2\n3,4\n")).toEqual({
      columns: ["a", "b"],
      rows: [
        ["1", "2"],
        ["3", "4"],
      ],
      rowLines: [2, 3],
    });
  });

  it("strips a byte order mark and reads CRLF line endings", async () => {
    expect(await parse("\uFEFFage,city\r\n30,Paris\r\n41,Lyon\r\n")).toEqual({
      columns: ["age", "city"],
      rows: [
        ["30", "Paris"],
        ["41", "Lyon"],
      ],
      rowLines: [2, 3],
    });
  });

  it("reads a file that mixes CRLF and LF line endings", async () => {
    expect((await parse("a,b\r\n1,2\n3,4\r\n")).rows).toEqual([
      ["1", "2"],
      ["3", "4"],
    ]);
  });

  it("keeps commas inside quoted values", async () => {
    expect((await parse('name,note\nx,"red, green"\n')).rows).toEqual([["x", "red, green"]]);
  });

  it("trims spaces around values and header names", async () => {
    expect(await parse(" a , b \n 3 , x \n")).toMatchObject({ columns: ["a", "b"], rows: [["3", "x"]] });
  });

  it("keeps empty cells as empty strings and skips blank lines", async () => {
    const csv = await parse("a,b\n1,\n\n,2\n");
    expect(csv.rows).toEqual([
      ["1", ""],
      ["", "2"],
    ]);
    expect(csv.rowLines).toEqual([2, 4]);
  });

  it("gives the start line of a row whose quoted value spans lines", async () => {
    const csv = await parse('a,b\n1,"two\nlines"\n3,4\n');
    expect(csv.rowLines).toEqual([2, 4]);
  });

  it("reads a last line without a newline", async () => {
    expect((await parse("a\n1\n2")).rows).toEqual([["1"], ["2"]]);
  });

  it("rejects an empty file", async () => {
    expect((await rejectedAppError(() => parse(""))).message).toMatch(/empty/);
    expect((await rejectedAppError(() => parse("\uFEFF\n\n"))).code).toBe("BAD_REQUEST");
  });

  it("rejects a header without data rows", async () => {
    expect((await rejectedAppError(() => parse("a,b\n"))).message).toBe(
      "the CSV file has a header but no data rows",
    );
  });

  it("rejects an empty header name, naming its position", async () => {
    expect((await rejectedAppError(() => parse("a,,c\n1,2,3\n"))).message).toBe(
      "header column 2 has an empty name",
    );
  });

  it("rejects a duplicate header name", async () => {
    expect((await rejectedAppError(() => parse("a,b,a\n1,2,3\n"))).message).toBe(
      "header column name 'a' appears more than once",
    );
  });

  it("rejects a ragged row, naming its line", async () => {
    const error = await rejectedAppError(() => parse("a,b\n1,2\n\n3\n"));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("line 4 has 1 field but the header has 2 columns");
    expect((await rejectedAppError(() => parse("a,b\n1,2,3\n"))).message).toBe(
      "line 2 has 3 fields but the header has 2 columns",
    );
  });

  it("turns a malformed quote into a BAD_REQUEST naming the line", async () => {
    const error = await rejectedAppError(() => parse('a,b\n1,"open\n'));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(/^the file is not valid CSV: .*line 2/);
  });

  it("accepts exactly the maximum row count", async () => {
    expect((await parse("a\n1\n2\n3\n", 3)).rows).toHaveLength(3);
  });

  it("rejects one row more than the maximum", async () => {
    const error = await rejectedAppError(() => parse("a\n1\n2\n3\n4\n", 3));
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error.message).toMatch(/more than 3 data rows/);
  });

  it("stops reading once past the limit instead of reading the whole file", async () => {
    // The broken quote at the end is never reached when reading stops at row 4.
    const text = new TextEncoder().encode("a,b\n" + "1,2\n".repeat(100_000) + '3,"broken\n');
    let readBytes = 0;
    async function* counted() {
      for await (const chunk of chunksOf(text, 4096)) {
        readBytes += chunk.byteLength;
        yield chunk;
      }
    }
    const error = await rejectedAppError(() =>
      scanCsv(counted(), { maxRows: 3 }, () => ({ addRow: () => {}, finish: () => null })),
    );
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(readBytes).toBeLessThan(text.byteLength / 10);
  });

  it("reads the same rows whatever the chunk boundaries, CRLF pairs and multi-byte characters included", async () => {
    const text = '\uFEFFcity,note\r\nMünchen,"a\r\nb"\r\nZürich,\rSão Paulo,ok\n';
    const expected = {
      columns: ["city", "note"],
      rows: [
        ["München", "a\nb"],
        ["Zürich", ""],
        ["São Paulo", "ok"],
      ],
      rowLines: [2, 4, 5],
    };
    for (const chunkBytes of [1, 2, 3, 64 * 1024])
      expect(await parse(text, 10, chunkBytes)).toEqual(expected);
  });

  it("rejects bytes that are not UTF-8, wherever they fall", async () => {
    const latin1 = Uint8Array.from([
      ...new TextEncoder().encode("city\nM"),
      0xfc,
      ...new TextEncoder().encode("nchen\n"),
    ]);
    for (const chunkBytes of [1, 7]) {
      expect((await rejectedAppError(() => parse(latin1, 10, chunkBytes))).message).toBe(
        "the sample is not UTF-8 text; upload a CSV file",
      );
    }
    // A multi-byte character cut off at the end of the file.
    const truncated = new TextEncoder().encode("city\nMü").subarray(0, -1);
    expect((await rejectedAppError(() => parse(truncated))).message).toBe(
      "the sample is not UTF-8 text; upload a CSV file",
    );
  });

  it("rejects a header wider than a sample may be", async () => {
    const header = Array.from({ length: MAX_SAMPLE_COLUMNS + 1 }, (_, index) => `c${index}`).join(",");
    const error = await rejectedAppError(() => parse(`${header}\n${header}\n`, 10, 64 * 1024));
    expect(error.message).toBe(
      `the CSV header has ${MAX_SAMPLE_COLUMNS + 1} columns; a sample may have at most ${MAX_SAMPLE_COLUMNS}`,
    );
  });

  it("rejects a cell too long to be a feature value before buffering the rest", async () => {
    const error = await rejectedAppError(() => parse(`a\n${"x".repeat(2 * 1024 * 1024)}\n`, 10, 64 * 1024));
    expect(error.message).toMatch(/^the file is not valid CSV: .*maximum/i);
  });
});
