import type { EncodedRow, MappedInput } from "./input-plan";

/** What the output keeps of an input row: its cells (CSV, Parquet) or its object (JSONL). */
export type PassThrough =
  { cells: string[]; text?: string } | { object: Record<string, unknown> } | { raw: string };

/**
 * The rows of one session run, in input order, and the values of the scorable ones laid out as
 * the run's inputs (per model input, row after row, in a typed array: Float32Array for FP32,
 * Float64Array otherwise, whose numbers are what the JSON path would send): the reader writes each
 * value once, where the request sends it from. A row is kept as its line's bytes (a plain CSV line, copied to the output
 * as it is) or as a PassThrough; a row that cannot be scored keeps its place, with its reason.
 */
export class ChunkBatch {
  /** Per model input (the plan's order): the scorable rows' values, row after row. */
  readonly inputs: (Float32Array | Float64Array)[];
  readonly widths: number[];
  /** Rows whose values are in `inputs`. */
  scorable = 0;
  /** Per row: the 1-based line (the row, for Parquet) it starts on. */
  readonly lines: number[] = [];
  /** Per row: its place among the scorable rows, or -1 when it cannot be scored (see `reasons`). */
  readonly slots: number[] = [];
  /** Why a row (by index) cannot be scored. */
  readonly reasons = new Map<number, string>();
  /** Per row: the input as the output keeps it, or null for a line kept as bytes. */
  readonly passThroughs: (PassThrough | null)[] = [];
  /** Per row kept as bytes: its line's buffer and range, without the line ending (else null, 0, 0). */
  readonly buffers: (Uint8Array | null)[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];

  constructor(
    plan: readonly MappedInput[],
    capacityRows: number,
    private readonly pool: BatchInputPool | null = null,
  ) {
    this.widths = plan.map((input) => input.columns.length);
    this.inputs =
      pool?.take(plan, capacityRows) ??
      plan.map(({ datatype, columns }) =>
        datatype === "FP32"
          ? new Float32Array(capacityRows * columns.length)
          : new Float64Array(capacityRows * columns.length),
      );
  }

  /** Gives the input arrays back to the pool: the batch is written and its runs are done. */
  release(): void {
    this.pool?.give(this.inputs);
  }

  get length(): number {
    return this.lines.length;
  }

  /** A row the reader encoded itself (a value per input and column, or why not). */
  addEncoded(line: number, passThrough: PassThrough, encoded: EncodedRow): void {
    if (!encoded.ok) return this.addRefused(line, passThrough, encoded.reason);
    const slot = this.scorable;
    encoded.values.forEach((row, i) => {
      const data = this.inputs[i]!;
      const at = slot * this.widths[i]!;
      for (let k = 0; k < row.length; k++) data[at + k] = row[k]!;
    });
    this.push(line, passThrough, null, 0, 0, slot);
    this.scorable++;
  }

  addRefused(line: number, passThrough: PassThrough, reason: string): void {
    this.reasons.set(this.length, reason);
    this.push(line, passThrough, null, 0, 0, -1);
  }

  /** A plain line whose values the reader has written at slot `scorable` of every input. */
  addLine(line: number, buffer: Uint8Array, start: number, end: number): void {
    this.push(line, null, buffer, start, end, this.scorable);
    this.scorable++;
  }

  /** The row's input as the output keeps it; a line kept as bytes is ASCII without quotes, so split on commas. */
  passThroughOf(row: number): PassThrough {
    const kept = this.passThroughs[row];
    if (kept) return kept;
    const buffer = this.buffers[row]!;
    let text = "";
    for (let i = this.starts[row]!; i < this.ends[row]!; i++) text += String.fromCharCode(buffer[i]!);
    return { cells: text.split(","), text };
  }

  /** An input's values for `rows` scorable rows from `slot` (all of them by default): a view, not a copy. */
  dataOf(input: number, slot = 0, rows = this.scorable): Float32Array | Float64Array {
    const width = this.widths[input]!;
    return this.inputs[input]!.subarray(slot * width, (slot + rows) * width);
  }

  private push(
    line: number,
    passThrough: PassThrough | null,
    buffer: Uint8Array | null,
    start: number,
    end: number,
    slot: number,
  ): void {
    this.lines.push(line);
    this.passThroughs.push(passThrough);
    this.buffers.push(buffer);
    this.starts.push(start);
    this.ends.push(end);
    this.slots.push(slot);
  }
}

/**
 * The input arrays of written batches, for the next batches of the same chunk: a fresh array per
 * batch is garbage outside the JS heap that the worker carries as RSS until a GC happens to run
 * (a few hundred kB a batch for the heavy model). Every slot a batch reads is written before.
 */
export class BatchInputPool {
  private readonly spare: (Float32Array | Float64Array)[][] = [];

  take(plan: readonly MappedInput[], capacityRows: number): (Float32Array | Float64Array)[] | null {
    const inputs = this.spare.pop();
    const fits = inputs?.every(
      (data, i) =>
        data.length === capacityRows * plan[i]!.columns.length &&
        data instanceof Float32Array === (plan[i]!.datatype === "FP32"),
    );
    return fits ? inputs! : null;
  }

  give(inputs: (Float32Array | Float64Array)[]): void {
    if (this.spare.length < MAX_SPARE_BATCHES) this.spare.push(inputs);
  }
}

/** Batches in flight at once: one running, one waiting, one being read. */
const MAX_SPARE_BATCHES = 3;
