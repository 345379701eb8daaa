import { CsvError, parse } from "csv-parse/sync";
import { AppError } from "@/server/domain/app-error";

/**
 * A CSV sample as the feature-set logic sees it: header names and data rows of trimmed
 * strings. `rowLines[i]` is the 1-based file line where data row `i` starts, so messages can
 * point at the line an editor shows even when quoted values span several lines.
 */
export type ParsedCsv = {
  columns: string[];
  rows: string[][];
  rowLines: number[];
};

export type ParseCsvOptions = {
  /** Data rows allowed (header excluded); one more is an error, not a silent truncation. */
  maxRows: number;
};

export function parseCsv(text: string, options: ParseCsvOptions): ParsedCsv {
  const { records, endLines } = parseRecords(text, options.maxRows);
  const [header, ...data] = records;
  if (header === undefined)
    throw new AppError("BAD_REQUEST", "the CSV file is empty: a header row is required");
  const columns = checkHeader(header);
  if (data.length === 0) throw new AppError("BAD_REQUEST", "the CSV file has a header but no data rows");
  if (data.length > options.maxRows) {
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `the CSV file has more than ${options.maxRows} data rows; upload a sample of at most ${options.maxRows} rows`,
    );
  }

  // csv-parse reports the line a record ends on; newlines inside quoted values move its start up.
  const rowLines = data.map(
    (record, index) =>
      (endLines[index + 1] ?? 0) - record.reduce((sum, value) => sum + countNewlines(value), 0),
  );
  data.forEach((record, index) => {
    if (record.length !== columns.length) {
      throw new AppError(
        "BAD_REQUEST",
        `line ${rowLines[index]} has ${record.length} ${record.length === 1 ? "field" : "fields"} ` +
          `but the header has ${columns.length} columns`,
      );
    }
  });
  return { columns, rows: data, rowLines };
}

function parseRecords(text: string, maxRows: number): { records: string[][]; endLines: number[] } {
  const endLines: number[] = [];
  try {
    const records = parse(normalizeLineEndings(text), {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      // Ragged rows are reported by us, with the line, instead of csv-parse's generic message.
      relax_column_count: true,
      on_record: (record, context) => {
        endLines.push(context.lines);
        return record;
      },
      // Stop reading one row past the limit: enough to tell the file is too large.
      to: maxRows + 2,
    });
    return { records, endLines };
  } catch (error) {
    if (error instanceof CsvError)
      throw new AppError("BAD_REQUEST", `the file is not valid CSV: ${error.message}`);
    throw error;
  }
}

/**
 * csv-parse picks one record delimiter from the first line, so a file mixing CRLF and LF
 * (common after hand edits) fails on the other kind; one kind of line ending avoids that.
 */
function normalizeLineEndings(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

function checkHeader(header: string[]): string[] {
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name === "") throw new AppError("BAD_REQUEST", `header column ${index + 1} has an empty name`);
    if (seen.has(name))
      throw new AppError("BAD_REQUEST", `header column name '${name}' appears more than once`);
    seen.add(name);
  });
  return header;
}

function countNewlines(value: string): number {
  let count = 0;
  for (const char of value) if (char === "\n") count++;
  return count;
}
