import type { ChartRange, DeploymentChartsOutput } from "@/server/contracts/monitoring-api";

type RoleSeries = DeploymentChartsOutput["series"][number];

/** One row per bucket for recharts: `bucketStartMs` and one value per named line. */
export type ChartRow = { bucketStartMs: number } & Record<string, number | null>;

/** The line of a version in a role: "v2", or "v3 shadow" for copies no caller waited for. */
export function lineName(versionNumber: number, role: RoleSeries["role"]): string {
  return role === "shadow" ? `v${versionNumber} shadow` : `v${versionNumber}`;
}

/** Every bucket of the range, so a bucket without traffic is a gap (or 0), not a missing x. */
export function bucketStarts(charts: Pick<DeploymentChartsOutput, "fromMs" | "toMs" | "bucketMs">): number[] {
  const starts: number[] = [];
  for (let start = charts.fromMs; start < charts.toMs; start += charts.bucketMs) starts.push(start);
  return starts;
}

/** One row per bucket of the range, filled by `fill` (one value per named line). */
export function joinedRows(
  charts: DeploymentChartsOutput,
  fill: (row: ChartRow, bucketStartMs: number) => void,
): ChartRow[] {
  return bucketStarts(charts).map((bucketStartMs) => {
    const row: ChartRow = { bucketStartMs };
    fill(row, bucketStartMs);
    return row;
  });
}

/** Each series' points by bucket, indexed once: a 30-day chart looks up 720 buckets per line. */
const pointsByBucket = new WeakMap<readonly { bucketStartMs: number }[], Map<number, unknown>>();

/** A series' point of a bucket, or undefined when it has none. */
export function pointAt<P extends { bucketStartMs: number }>(points: readonly P[], bucketStartMs: number) {
  let index = pointsByBucket.get(points) as Map<number, P> | undefined;
  if (!index)
    pointsByBucket.set(points, (index = new Map(points.map((point) => [point.bucketStartMs, point]))));
  return index.get(bucketStartMs);
}

const CLOCK = new Intl.DateTimeFormat("en", { hour: "2-digit", minute: "2-digit" });
const DAY = new Intl.DateTimeFormat("en", { month: "short", day: "numeric" });
const DAY_AND_HOUR = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", hour: "2-digit" });

/** Tick labels that fit the range: clock time within a day, dates beyond. */
export function tickFormatOf(range: ChartRange): (ms: number) => string {
  return range === "1h" || range === "24h" ? (ms) => CLOCK.format(ms) : (ms) => DAY.format(ms);
}

export function tooltipTimeOf(range: ChartRange): (ms: number) => string {
  return range === "1h" || range === "24h" ? (ms) => CLOCK.format(ms) : (ms) => DAY_AND_HOUR.format(ms);
}
