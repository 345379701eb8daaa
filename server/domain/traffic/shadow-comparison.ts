import type { HeldTensor, V2Datatype } from "@/server/domain/inference/datatypes";

/**
 * How a shadow version's answer to a request compares with the primary's.
 * Outputs are matched by name and only the names both return are compared. Integer, bool and
 * string outputs compare exactly, row by row (row = first dimension): a row agrees when every such
 * value in it agrees. Float outputs add |primary - shadow| per value. `rows` counts only rows that
 * had exact outputs to compare, so a pure regressor has rows 0 and no agreement rate.
 * Not comparable (everything 0): no common output, an output whose shape or kind (float vs
 * exact) differs, data that does not fill the shape, or outputs with different row counts.
 */
export type OutputComparison = {
  comparable: boolean;
  agreementRows: number;
  rows: number;
  absDiffSum: number;
  absDiffCount: number;
};

/** Running sums for one shadow version; they add up across requests, gateways and minutes. */
export type ShadowStats = {
  requests: number;
  comparableRequests: number;
  agreementRows: number;
  rows: number;
  absDiffSum: number;
  absDiffCount: number;
  primaryLatencyUsSum: number;
  shadowLatencyUsSum: number;
};

export type ShadowSummary = {
  /** Share of compared rows where every exact output agreed; null with no such rows. */
  agreementRate: number | null;
  /** Mean |primary - shadow| over float output values; null with no float values compared. */
  meanAbsDiff: number | null;
  /** Mean shadow latency minus mean primary latency; positive when the shadow is slower. */
  latencyDeltaMs: number | null;
  requests: number;
};

const FLOAT_DATATYPES: ReadonlySet<V2Datatype> = new Set(["FP16", "FP32", "FP64"]);
const NOT_COMPARABLE: OutputComparison = {
  comparable: false,
  agreementRows: 0,
  rows: 0,
  absDiffSum: 0,
  absDiffCount: 0,
};

export function compareOutputs(primary: HeldTensor[], shadow: HeldTensor[]): OutputComparison {
  const shadowByName = new Map(shadow.map((tensor) => [tensor.name, tensor]));
  const exact: [HeldTensor, HeldTensor][] = [];
  let rowCount: number | null = null;
  let absDiffSum = 0;
  let absDiffCount = 0;

  for (const left of primary) {
    const right = shadowByName.get(left.name);
    if (right === undefined) continue;
    const isFloat = FLOAT_DATATYPES.has(left.datatype);
    if (isFloat !== FLOAT_DATATYPES.has(right.datatype) || !sameShape(left.shape, right.shape))
      return { ...NOT_COMPARABLE };
    const size = left.shape.reduce((product, dimension) => product * dimension, 1);
    if (left.data.length !== size || right.data.length !== size) return { ...NOT_COMPARABLE };
    const rows = left.shape.length === 0 ? 1 : left.shape[0]!;
    if (rowCount !== null && rows !== rowCount) return { ...NOT_COMPARABLE };
    rowCount = rows;
    if (!isFloat) {
      exact.push([left, right]);
      continue;
    }
    for (let index = 0; index < size; index += 1) {
      const a = Number(left.data[index]);
      const b = Number(right.data[index]);
      if (Object.is(a, b) || a === b) {
        absDiffCount += 1;
        continue;
      }
      // NaN or an infinity on one side only: no finite difference, so it stays out of the mean.
      const difference = Math.abs(a - b);
      if (!Number.isFinite(difference)) continue;
      absDiffSum += difference;
      absDiffCount += 1;
    }
  }
  if (rowCount === null) return { ...NOT_COMPARABLE };

  let agreementRows = 0;
  const rows = exact.length === 0 ? 0 : rowCount;
  for (let row = 0; row < rows; row += 1) {
    if (exact.every(([left, right]) => rowAgrees(left, right, row, rows))) agreementRows += 1;
  }
  return { comparable: true, agreementRows, rows, absDiffSum, absDiffCount };
}

export function emptyShadowStats(): ShadowStats {
  return {
    requests: 0,
    comparableRequests: 0,
    agreementRows: 0,
    rows: 0,
    absDiffSum: 0,
    absDiffCount: 0,
    primaryLatencyUsSum: 0,
    shadowLatencyUsSum: 0,
  };
}

/** Every shadowed request counts for latency; only comparable ones count for agreement and diffs. */
export function addShadowObservation(
  stats: ShadowStats,
  comparison: OutputComparison,
  primaryLatencyUs: number,
  shadowLatencyUs: number,
): ShadowStats {
  return {
    requests: stats.requests + 1,
    comparableRequests: stats.comparableRequests + (comparison.comparable ? 1 : 0),
    agreementRows: stats.agreementRows + comparison.agreementRows,
    rows: stats.rows + comparison.rows,
    absDiffSum: stats.absDiffSum + comparison.absDiffSum,
    absDiffCount: stats.absDiffCount + comparison.absDiffCount,
    primaryLatencyUsSum: stats.primaryLatencyUsSum + primaryLatencyUs,
    shadowLatencyUsSum: stats.shadowLatencyUsSum + shadowLatencyUs,
  };
}

/** Sums from several gateways or minutes into one. */
export function mergeShadowStats(a: ShadowStats, b: ShadowStats): ShadowStats {
  return {
    requests: a.requests + b.requests,
    comparableRequests: a.comparableRequests + b.comparableRequests,
    agreementRows: a.agreementRows + b.agreementRows,
    rows: a.rows + b.rows,
    absDiffSum: a.absDiffSum + b.absDiffSum,
    absDiffCount: a.absDiffCount + b.absDiffCount,
    primaryLatencyUsSum: a.primaryLatencyUsSum + b.primaryLatencyUsSum,
    shadowLatencyUsSum: a.shadowLatencyUsSum + b.shadowLatencyUsSum,
  };
}

export function summarizeShadowStats(stats: ShadowStats): ShadowSummary {
  return {
    agreementRate: stats.rows > 0 ? stats.agreementRows / stats.rows : null,
    meanAbsDiff: stats.absDiffCount > 0 ? stats.absDiffSum / stats.absDiffCount : null,
    latencyDeltaMs:
      stats.requests > 0
        ? (stats.shadowLatencyUsSum - stats.primaryLatencyUsSum) / stats.requests / 1000
        : null,
    requests: stats.requests,
  };
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((dimension, index) => dimension === b[index]);
}

/** Booleans and 0/1 compare equal, so a BOOL output reads the same from either encoding. */
function rowAgrees(left: HeldTensor, right: HeldTensor, row: number, rows: number): boolean {
  const perRow = left.data.length / rows;
  const start = row * perRow;
  for (let index = start; index < start + perRow; index += 1) {
    if (scalar(left.data[index]) !== scalar(right.data[index])) return false;
  }
  return true;
}

function scalar(value: number | string | boolean | undefined): number | string | undefined {
  return typeof value === "boolean" ? Number(value) : value;
}
