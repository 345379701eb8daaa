/**
 * Quantiles and quantile bins over sorted samples. The baseline builds its bins here, and
 * drift scoring must count the live window into the same bins, so both import these.
 */

/**
 * The `percent`-th percentile of ascending `sorted` values, interpolated linearly between the
 * closest ranks (numpy's default). The position is computed as percent * (n - 1) / 100 so whole
 * ranks come out exact and a decile edge lands on a sample value instead of an ulp beside it.
 */
export function percentileOfSorted(sorted: Float64Array, percent: number): number {
  if (sorted.length === 0) throw new RangeError("percentile of an empty sample");
  const position = (percent * (sorted.length - 1)) / 100;
  const lowerIndex = Math.floor(position);
  const lower = sorted[lowerIndex] ?? Number.NaN;
  const upper = sorted[Math.min(lowerIndex + 1, sorted.length - 1)] ?? Number.NaN;
  return Math.min(upper, lower + (upper - lower) * (position - lowerIndex));
}

/**
 * Edges of `binCount` bins holding about equal shares of the sample: min, the inner quantiles,
 * max. Repeated edges (discrete data) are merged, so there may be fewer bins; a constant sample
 * keeps the pair [v, v], one bin holding everything.
 */
export function quantileBinEdges(sorted: Float64Array, binCount: number): number[] {
  const edges: number[] = [];
  for (let bin = 0; bin <= binCount; bin++) {
    const edge = percentileOfSorted(sorted, (bin * 100) / binCount);
    if (edges.length === 0 || edge > (edges[edges.length - 1] ?? edge)) edges.push(edge);
  }
  if (edges.length === 1) edges.push(edges[0] ?? Number.NaN);
  return edges;
}

/**
 * Counts ascending `sorted` values into bins [e0, e1), [e1, e2), ..., [e(k-1), ek]; the last
 * bin is closed. Values below the first edge count in the first bin and values above the last
 * edge in the last one, so a live window outside the baseline range still lands in the tails.
 */
export function countInBins(sorted: Float64Array, edges: number[]): number[] {
  const counts = new Array<number>(Math.max(edges.length - 1, 0)).fill(0);
  if (counts.length === 0) return counts;
  let bin = 0;
  for (const value of sorted) {
    while (bin < counts.length - 1 && value >= (edges[bin + 1] ?? Infinity)) bin++;
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts;
}
