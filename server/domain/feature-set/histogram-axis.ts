/**
 * How a numeric baseline is drawn. Most features read well on a linear axis; a heavy-tailed one
 * (amounts, counts, distances) puts nearly all rows in the first sliver of it, so it is drawn on
 * a log axis of `x - min + 1`, which keeps zero and shows each decade of the tail.
 */
export type HistogramScale = "linear" | "log";

/** A tail this many times longer than the body (max - median over median - min) goes on a log axis. */
const HEAVY_TAIL_RATIO = 10;

export function histogramScaleOf(distribution: {
  min: number;
  max: number;
  quantiles: { p50: number };
}): HistogramScale {
  const body = distribution.quantiles.p50 - distribution.min;
  const tail = distribution.max - distribution.quantiles.p50;
  return tail > HEAVY_TAIL_RATIO * Math.max(body, 0) && tail > 0 ? "log" : "linear";
}

export interface HistogramAxis {
  scale: HistogramScale;
  toAxis: (value: number) => number;
  fromAxis: (position: number) => number;
  /** Tick positions (in axis units) that read well: decades on a log axis, none chosen on a linear one. */
  ticks: number[] | undefined;
}

export function histogramAxis(scale: HistogramScale, min: number, max: number): HistogramAxis {
  if (scale === "linear")
    return { scale, toAxis: (value) => value, fromAxis: (position) => position, ticks: undefined };
  const toAxis = (value: number) => Math.log10(value - min + 1);
  const ticks = [0];
  for (let decade = 1; decade <= max - min; decade *= 10) ticks.push(toAxis(min + decade));
  return { scale, toAxis, fromAxis: (position) => min + 10 ** position - 1, ticks };
}

/** One bin as a step of the chart: where it starts on the axis and its share of rows per axis unit. */
export interface DensityStep {
  position: number;
  density: number;
  low: number;
  high: number;
  count: number;
  share: number;
}

/**
 * Share per unit of the axis, so a bin's area is its share of the rows whatever the axis: the
 * baseline's bins are quantiles, each about a tenth of the rows, and their widths differ.
 */
export function densitySteps(
  edges: readonly number[],
  counts: readonly number[],
  axis: HistogramAxis,
): DensityStep[] {
  const total = counts.reduce((sum, count) => sum + count, 0);
  return counts.map((count, index) => {
    const low = edges[index]!;
    const high = edges[index + 1]!;
    const width = Math.max(axis.toAxis(high) - axis.toAxis(low), Number.EPSILON);
    const share = total === 0 ? 0 : count / total;
    return { position: axis.toAxis(low), density: share / width, low, high, count, share };
  });
}
