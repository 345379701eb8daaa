import { CsvError, parse } from "csv-parse";
import { AppError } from "@/server/domain/app-error";

/**
 * One data row of a CSV sample: trimmed cells, and `line`, the 1-based file line where the row
 * starts, so messages point at the line an editor shows even when quoted values span lines.
 */
export type CsvRow = { cells: string[]; line: number };

export type ScanCsvOptions = {
  /** Data rows allowed (header excluded); one more is an error, not a silent truncation. */
  maxRows: number;
};

/**
 * Wide enough for any tabular model, narrow enough that per-column state stays small (every
 * consumer keeps a fixed amount per column; see baseline.ts and infer-features.ts).
 */
export const MAX_SAMPLE_COLUMNS = 1000;
/** A cell longer than this is not a feature value; csv-parse refuses it before buffering more. */
const MAX_CELL_BYTES = 1024 * 1024;

/** What reads the rows of a sample: made from the header, fed every data row, then asked for its result. */
export interface CsvConsumer<Result> {
  addRow(row: CsvRow): void;
  finish(): Result;
}

/**
 * Reads a CSV sample as it streams in, one row at a time, so a file at the size and row limits
 * costs a chunk of memory, not the file: checks the header, makes the consumer from it, feeds
 * it each data row and returns what it finishes with. Throws an AppError naming the problem
 * (and its line) for text that is not UTF-8, malformed CSV, a bad header, a ragged row or too
 * many rows; it stops reading at the first of these.
 */
export async function scanCsv<Result>(
  chunks: AsyncIterable<Uint8Array>,
  options: ScanCsvOptions,
  consumerFor: (columns: string[]) => CsvConsumer<Result>,
): Promise<Result> {
  // csv-parse's Node stream, fed by hand and read through 'data': its records arrive
  // synchronously inside write(), several times faster than reading a web stream record by record.
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    // Ragged rows are reported here, with the line, instead of csv-parse's generic message.
    relax_column_count: true,
    max_record_size: MAX_CELL_BYTES,
  });
  let reading: { columnCount: number; consumer: CsvConsumer<Result> } | null = null;
  let rowCount = 0;
  let failure: unknown = null;
  const takeRecord = (cells: string[]) => {
    if (reading === null) {
      const columns = checkHeader(cells);
      reading = { columnCount: columns.length, consumer: consumerFor(columns) };
      return;
    }
    rowCount++;
    if (rowCount > options.maxRows) {
      throw new AppError(
        "PAYLOAD_TOO_LARGE",
        `the CSV file has more than ${options.maxRows} data rows; upload a sample of at most ${options.maxRows} rows`,
      );
    }
    // csv-parse counts the lines read so far, up to the end of this record; newlines inside
    // quoted values move the record's start up.
    const line = parser.info.lines - cells.reduce((sum, value) => sum + countNewlines(value), 0);
    if (cells.length !== reading.columnCount) {
      throw new AppError(
        "BAD_REQUEST",
        `line ${line} has ${cells.length} ${cells.length === 1 ? "field" : "fields"} ` +
          `but the header has ${reading.columnCount} columns`,
      );
    }
    reading.consumer.addRow({ cells, line });
  };
  parser.on("data", (cells: string[]) => {
    if (failure !== null) return;
    try {
      takeRecord(cells);
    } catch (error) {
      failure = error;
    }
  });
  parser.on("error", (error) => (failure ??= error));
  const ended = new Promise<void>((resolve) => parser.once("end", resolve).once("error", () => resolve()));

  try {
    for await (const chunk of normalizedText(chunks)) {
      if (!parser.write(chunk) && failure === null)
        await Promise.race([new Promise((resolve) => parser.once("drain", resolve)), ended]);
      // Stops reading at the first problem: a refused sample costs no more than its bad part.
      if (failure !== null) break;
    }
    if (failure === null) {
      parser.end();
      await ended;
    }
  } finally {
    parser.destroy();
  }
  if (failure instanceof CsvError)
    throw new AppError("BAD_REQUEST", `the file is not valid CSV: ${failure.message}`);
  if (failure !== null) throw failure;
  const done = reading as { consumer: CsvConsumer<Result> } | null;
  if (done === null) throw new AppError("BAD_REQUEST", "the CSV file is empty: a header row is required");
  if (rowCount === 0) throw new AppError("BAD_REQUEST", "the CSV file has a header but no data rows");
  return done.consumer.finish();
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Checks the bytes are UTF-8 and turns CRLF and lone CR into LF: csv-parse picks one record
 * delimiter from the first line, so a file mixing CRLF and LF (common after hand edits) would
 * fail on the other kind. Works on bytes: a CR never occurs inside a multi-byte UTF-8 sequence.
 */
async function* normalizedText(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pendingCr = false;
  for await (const chunk of chunks) {
    checkUtf8(() => decoder.decode(chunk, { stream: true }));
    const { bytes, endsWithCr } = crToLf(chunk, pendingCr);
    pendingCr = endsWithCr;
    if (bytes.byteLength > 0) yield bytes;
  }
  checkUtf8(() => decoder.decode());
  if (pendingCr) yield Uint8Array.of(LF);
}

function checkUtf8(decode: () => string): void {
  try {
    decode();
  } catch {
    throw new AppError("BAD_REQUEST", "the sample is not UTF-8 text; upload a CSV file");
  }
}

/**
 * `chunk` with every CR written as LF and the LF of a CRLF dropped. A CR at the very end is held
 * back (`endsWithCr`) until the next chunk shows whether an LF follows it.
 */
function crToLf(chunk: Uint8Array, pendingCr: boolean): { bytes: Uint8Array; endsWithCr: boolean } {
  if (!pendingCr && chunk.indexOf(CR) < 0) return { bytes: chunk, endsWithCr: false };
  const out = new Uint8Array(chunk.byteLength + 1);
  let length = 0;
  let start = 0;
  if (pendingCr) {
    out[length++] = LF;
    if (chunk[0] === LF) start = 1;
  }
  let endsWithCr = false;
  for (let index = start; index < chunk.byteLength; index++) {
    const byte = chunk[index]!;
    if (byte !== CR) {
      out[length++] = byte;
    } else if (index === chunk.byteLength - 1) {
      endsWithCr = true;
    } else {
      out[length++] = LF;
      if (chunk[index + 1] === LF) index++;
    }
  }
  return { bytes: out.subarray(0, length), endsWithCr };
}

function checkHeader(header: string[]): string[] {
  if (header.length > MAX_SAMPLE_COLUMNS) {
    throw new AppError(
      "BAD_REQUEST",
      `the CSV header has ${header.length} columns; a sample may have at most ${MAX_SAMPLE_COLUMNS}`,
    );
  }
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
  for (let index = value.indexOf("\n"); index >= 0; index = value.indexOf("\n", index + 1)) count++;
  return count;
}
