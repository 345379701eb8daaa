import type { CsvFloors } from "./batch-floors";

/** A finished job's times, as its rows in Postgres have them. */
export interface JobTimes {
  startedAt: Date;
  /** Set when the flow's parent job starts, before it assembles the output. */
  finishedAt: Date;
  totalRows: number;
  chunks: { rowCount: number; startedAt: Date; finishedAt: Date }[];
}

/**
 * Per job row, where the job's time goes: the floors (parse, format + write, raw session.run)
 * and the rest, split by when it happens. Chunks run one at a time (the bench's worker), so the
 * job's span is the first chunk (with the model's fetch and load), then each chunk's own span
 * and the gap before it, then the gap to the parent job; the parts add up to the job's time.
 */
export interface JobAccount {
  parseUsPerRow: number;
  formatWriteUsPerRow: number;
  runUsPerRow: number;
  floorUsPerRow: number;
  jobUsPerRow: number;
  /** The first chunk's time beyond its rows' floor: Prisma's first queries, the model's fetch and load, the session thread's start. */
  firstChunkUsPerRow: number;
  /** Between one chunk's end and the next one's start: BullMQ's hand-over and the chunk's read of its job in Postgres. */
  betweenChunksUsPerRow: number;
  /** Inside the later chunks, beyond their rows' floor: the session thread's hops, progress writes, the chunk files. */
  insideChunksUsPerRow: number;
  /** From the last chunk's end to the parent job's start (BullMQ). */
  toParentUsPerRow: number;
}

export function accountJob(times: JobTimes, floors: CsvFloors, rawRowsPerSecond: number): JobAccount {
  const runUsPerRow = 1e6 / rawRowsPerSecond;
  const floorUsPerRow = floors.parseUsPerRow + floors.formatWriteUsPerRow + runUsPerRow;
  const chunks = [...times.chunks].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const ms = (from: Date, to: Date) => to.getTime() - from.getTime();
  const first = chunks[0]!;
  let betweenMs = 0;
  let insideMs = 0;
  for (let k = 1; k < chunks.length; k++) {
    betweenMs += ms(chunks[k - 1]!.finishedAt, chunks[k]!.startedAt);
    insideMs += ms(chunks[k]!.startedAt, chunks[k]!.finishedAt);
  }
  const perRow = (totalMs: number) => (totalMs * 1000) / times.totalRows;
  const laterRows = times.totalRows - first.rowCount;
  return {
    parseUsPerRow: floors.parseUsPerRow,
    formatWriteUsPerRow: floors.formatWriteUsPerRow,
    runUsPerRow,
    floorUsPerRow,
    jobUsPerRow: perRow(ms(times.startedAt, times.finishedAt)),
    firstChunkUsPerRow: perRow(
      ms(times.startedAt, first.finishedAt) - (floorUsPerRow * first.rowCount) / 1000,
    ),
    betweenChunksUsPerRow: perRow(betweenMs),
    insideChunksUsPerRow: perRow(insideMs - (floorUsPerRow * laterRows) / 1000),
    toParentUsPerRow: perRow(ms(chunks[chunks.length - 1]!.finishedAt, times.finishedAt)),
  };
}

export const ACCOUNT_HEADER =
  "| model | rows the floors took | parse us/row | format+write us/row | session.run us/row | floor (sum) | job us/row | " +
  "other (job - floor) | of which: first chunk | between chunks | inside later chunks | to the parent job | " +
  "job rows/s / floor rows/s | job rows/s / raw | floor rows/s / raw (a serial CSV job's best ratio) | load avg at the floors |\n" +
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";

export function accountLine(label: string, floorRows: number, account: JobAccount, load: string): string {
  const us = (value: number) => value.toFixed(Math.abs(value) < 10 ? 2 : 1);
  const a = account;
  const cells = [
    label,
    floorRows.toLocaleString("en"),
    us(a.parseUsPerRow),
    us(a.formatWriteUsPerRow),
    us(a.runUsPerRow),
    us(a.floorUsPerRow),
    us(a.jobUsPerRow),
    us(a.jobUsPerRow - a.floorUsPerRow),
    us(a.firstChunkUsPerRow),
    us(a.betweenChunksUsPerRow),
    us(a.insideChunksUsPerRow),
    us(a.toParentUsPerRow),
    (a.floorUsPerRow / a.jobUsPerRow).toFixed(2),
    (a.runUsPerRow / a.jobUsPerRow).toFixed(2),
    (a.runUsPerRow / a.floorUsPerRow).toFixed(2),
    load,
  ];
  return `| ${cells.join(" | ")} |`;
}
