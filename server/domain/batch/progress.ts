export interface ProgressInput {
  totalRows: number;
  doneRows: number;
  startedAtMs: number | null;
  /** Now while it runs; the finish time once it has finished. */
  untilMs: number;
}

export interface Progress {
  share: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
}

/** Rows per second since the job started, and the time left at that rate. */
export function progressOf({ totalRows, doneRows, startedAtMs, untilMs }: ProgressInput): Progress {
  const share = totalRows > 0 ? Math.min(1, doneRows / totalRows) : 0;
  const elapsedMs = startedAtMs === null ? 0 : untilMs - startedAtMs;
  if (elapsedMs <= 0 || doneRows === 0) return { share, rowsPerSecond: null, etaSeconds: null };
  const rowsPerSecond = (doneRows * 1000) / elapsedMs;
  return { share, rowsPerSecond, etaSeconds: Math.max(0, totalRows - doneRows) / rowsPerSecond };
}
