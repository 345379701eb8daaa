import { percentileUs } from "@/server/domain/monitoring/latency-histogram";

/** What the overhead figure reads of a version's rollups summed over a range (RollupCounts). */
export interface OverheadCounts {
  requests: number;
  /** End to end at the gateway, ok requests, one count per request. */
  latency: readonly number[];
  queueWait: readonly number[];
  runs: number;
  runRowsSum: number;
  /** Session-run model time measured by the worker, one count per run. */
  runCompute: readonly number[];
}

/** How long the server takes over the model's own session runs; durations in µs, null without data. */
export interface Overhead {
  requests: number;
  runs: number;
  rowsPerRun: number | null;
  /** p50 of a session run at these batch sizes, as the worker timed onnxruntime's run. */
  runP50Us: number | null;
  /** p50 of the gateway's answers, from the request's first bytes to its last. */
  answeredP50Us: number | null;
  queueWaitP50Us: number | null;
  /** answeredP50Us minus runP50Us: what the gateway, the queue and the trips add. */
  addedUs: number | null;
  /** addedUs over answeredP50Us (0..1; below 0 if runs were slower than answers' median). */
  addedShare: number | null;
}

/**
 * The overhead of a version over plain onnxruntime. Both p50s are upper bounds of the shared
 * buckets, so each is within one bucket (~19%) of the exact median; their difference is read
 * from two such bounds and so carries that error twice, which matters only when the added time
 * is a small part of the answer.
 */
export function overheadOf(counts: OverheadCounts): Overhead {
  const runP50Us = percentileUs(counts.runCompute, 0.5);
  const answeredP50Us = percentileUs(counts.latency, 0.5);
  const addedUs = runP50Us === null || answeredP50Us === null ? null : answeredP50Us - runP50Us;
  return {
    requests: counts.requests,
    runs: counts.runs,
    rowsPerRun: counts.runs > 0 ? counts.runRowsSum / counts.runs : null,
    runP50Us,
    answeredP50Us,
    queueWaitP50Us: percentileUs(counts.queueWait, 0.5),
    addedUs,
    addedShare: addedUs === null || !answeredP50Us ? null : addedUs / answeredP50Us,
  };
}
