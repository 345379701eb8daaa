import { ChunkBatch, type BatchInputPool } from "./chunk-batch";
import { CsvCellBytes } from "./csv-cell-bytes";
import { CsvRecordReader, fieldCountReason, type CsvRecord } from "./csv-records";
import { encodeRow, type MappedInput } from "./input-plan";

/**
 * A CSV chunk's rows, from its bytes, in batches of `batchRows` scorable rows. A plain line (no
 * quote, ASCII, the header's field count, every cell the model reads valid) is read straight from
 * the bytes into the batch's inputs and kept as its bytes for the output; any other line goes to
 * the text path (CsvRecordReader, then encodeRow), which gives the same values and the exact
 * reason a row is refused, quoted values across newlines included. Inputs that are not FP32/FP64
 * take the text path for every line (integers are checked there). Lines are numbered from the
 * chunk's first line; empty lines are no rows.
 *
 * Use: push a read buffer, take batches with next() until it says null (the buffer is used up
 * but for a partial line), push the next; after the last, end(). Buffers are kept (not copied)
 * by the batches whose lines they hold: a caller must not reuse one.
 */
export class CsvBatchReader {
  private window: Uint8Array = new Uint8Array(0);
  private at = 0;
  /** A line cut by a read, joined, to be taken before the rest of `window`. */
  private cutLine: Uint8Array | null = null;
  private line: number;
  private atChunkStart = true;
  private batch: ChunkBatch;
  private text: CsvRecordReader | null = null;
  private readonly records: CsvRecord[] = [];
  private readonly cells = new CsvCellBytes();
  private readonly fast: FastColumns | null;

  constructor(
    private readonly options: {
      plan: MappedInput[];
      columnCount: number;
      firstLine: number;
      batchRows: number;
      /** Where the batches' input arrays come from and go back to (ChunkBatch.release). */
      pool?: BatchInputPool;
    },
  ) {
    this.line = options.firstLine - 1;
    this.fast = fastColumns(options.plan, options.columnCount);
    this.batch = this.newBatch();
  }

  push(bytes: Uint8Array): void {
    // A plain Uint8Array view (of a Buffer, say): one array class for the cell readers' loads.
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    const rest = this.window.length - this.at;
    this.at = 0;
    if (rest === 0) {
      this.window = view;
      return;
    }
    // Only the line the read cut is copied, joined with its end from these bytes.
    const newline = view.indexOf(LF);
    const cut = newline < 0 ? view.length : newline + 1;
    const joined = new Uint8Array(rest + cut);
    joined.set(this.window.subarray(this.window.length - rest));
    joined.set(view.subarray(0, cut), rest);
    if (newline < 0) {
      this.window = joined; // a line longer than the reads so far: still partial
      return;
    }
    this.cutLine = joined;
    this.window = view;
    this.at = cut;
  }

  /** The next full batch from the buffers pushed, or null when they hold no more complete line. */
  next(): ChunkBatch | null {
    const { batchRows } = this.options;
    if (this.cutLine) {
      const line = this.cutLine;
      this.cutLine = null;
      this.takeLine(line, 0, line.length - 1, true);
      if (this.batch.scorable >= batchRows) return this.takeBatch();
    }
    const window = this.window;
    for (;;) {
      const newline = window.indexOf(LF, this.at);
      if (newline < 0) return null;
      const start = this.at;
      this.at = newline + 1;
      this.takeLine(window, start, newline, true);
      if (this.batch.scorable >= batchRows) return this.takeBatch();
    }
  }

  /** The last batch (null when it would be empty), after the last push; throws when a quote is never closed. */
  end(): ChunkBatch | null {
    if (this.cutLine) throw new Error("CsvBatchReader.end() before next() returned null");
    if (this.at < this.window.length) this.takeLine(this.window, this.at, this.window.length, false);
    this.at = this.window.length;
    if (this.text) {
      this.text.end(this.records);
      this.takeRecords();
      this.text = null;
    }
    return this.batch.length > 0 ? this.takeBatch() : null;
  }

  private takeLine(window: Uint8Array, start: number, newline: number, terminated: boolean): void {
    this.line++;
    const atChunkStart = this.atChunkStart;
    this.atChunkStart = false;
    if (this.text?.open) return this.toText(window, start, newline, terminated, atChunkStart);
    const end = newline > start && window[newline - 1] === CR ? newline - 1 : newline;
    if (end === start) return; // an empty line is no row
    if (this.fast && this.readPlain(window, start, end))
      return this.batch.addLine(this.line, window, start, end);
    this.toText(window, start, newline, terminated, atChunkStart);
  }

  /** Reads a plain line into the batch's next slot; false when the line must take the text path. */
  private readPlain(window: Uint8Array, start: number, end: number): boolean {
    const { kinds, categories, targetStarts, targetInputs, targetPositions } = this.fast!;
    const { inputs, widths, scorable } = this.batch;
    const cells = this.cells;
    let at = start;
    for (let column = 0; column < kinds.length; column++) {
      if (column > 0) {
        if (at >= end) return false; // fewer fields than the header
        at++; // the comma
      }
      const kind = kinds[column]!;
      let value: number;
      if (kind === SKIP) {
        if (cells.skip(window, at, end) < 0) return false;
        at = cells.end;
        continue;
      }
      if (kind === NUMBER) {
        value = cells.number(window, at, end);
        if (Number.isNaN(value)) return false;
      } else {
        value =
          kind === BOOL ? cells.bool(window, at, end) : cells.category(window, at, end, categories[column]!);
        if (value < 0) return false;
      }
      at = cells.end;
      for (let target = targetStarts[column]!; target < targetStarts[column + 1]!; target++) {
        const input = targetInputs[target]!;
        inputs[input]![scorable * widths[input]! + targetPositions[target]!] = value;
      }
    }
    return at === end; // more fields than the header otherwise
  }

  /** The line through the text path: CsvRecordReader, from this line (or on, inside a quoted value). */
  private toText(
    window: Uint8Array,
    start: number,
    newline: number,
    terminated: boolean,
    atChunkStart: boolean,
  ): void {
    if (!this.text?.open) this.text = new CsvRecordReader(this.line);
    // As the chunk's text was decoded whole before: a byte order mark goes only at its start.
    const decoder = atChunkStart ? START_DECODER : LINE_DECODER;
    const text = decoder.decode(window.subarray(start, newline));
    this.text.push(terminated ? `${text}\n` : text, this.records);
    this.takeRecords();
  }

  private takeRecords(): void {
    const { plan, columnCount } = this.options;
    for (const record of this.records) {
      const { line, cells, text } = record;
      if (cells.length !== columnCount)
        this.batch.addRefused(line, { cells }, fieldCountReason(cells.length, columnCount));
      else
        this.batch.addEncoded(
          line,
          { cells, text },
          encodeRow(plan, (index) => cells[index]),
        );
    }
    this.records.length = 0;
  }

  private takeBatch(): ChunkBatch {
    const batch = this.batch;
    this.batch = this.newBatch();
    return batch;
  }

  private newBatch(): ChunkBatch {
    return new ChunkBatch(this.options.plan, this.options.batchRows, this.options.pool);
  }
}

const LF = 0x0a;
const CR = 0x0d;
const START_DECODER = new TextDecoder();
const LINE_DECODER = new TextDecoder("utf-8", { ignoreBOM: true });

const SKIP = 0;
const NUMBER = 1;
const CATEGORY = 2;
const BOOL = 3;

/**
 * Per header column: how the model reads it, and where its value goes: targets
 * targetStarts[column] .. targetStarts[column + 1] - 1, each an input and a position in its row.
 */
interface FastColumns {
  kinds: number[];
  categories: (Uint8Array[] | null)[];
  targetStarts: number[];
  targetInputs: number[];
  targetPositions: number[];
}

/** The bytes reading of the plan's columns, or null when an input is not floating point (FP32, FP64). */
function fastColumns(plan: MappedInput[], columnCount: number): FastColumns | null {
  if (!plan.every((input) => input.datatype === "FP32" || input.datatype === "FP64")) return null;
  const encoder = new TextEncoder();
  const kinds = new Array<number>(columnCount).fill(SKIP);
  const categories = new Array<Uint8Array[] | null>(columnCount).fill(null);
  const targets = Array.from({ length: columnCount }, (): [number, number][] => []);
  plan.forEach((input, i) =>
    input.columns.forEach(({ index, feature }, position) => {
      kinds[index] = feature.dtype === "category" ? CATEGORY : feature.dtype === "bool" ? BOOL : NUMBER;
      if (feature.dtype === "category")
        categories[index] = feature.categories.map((category) => encoder.encode(category));
      targets[index]!.push([i, position]);
    }),
  );
  const targetStarts = [0];
  for (const column of targets) targetStarts.push(targetStarts[targetStarts.length - 1]! + column.length);
  return {
    kinds,
    categories,
    targetStarts,
    targetInputs: targets.flatMap((column) => column.map(([input]) => input)),
    targetPositions: targets.flatMap((column) => column.map(([, position]) => position)),
  };
}
