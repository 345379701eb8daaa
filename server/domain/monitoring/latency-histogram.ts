/**
 * Fixed, log-spaced histogram buckets for durations, shared by every producer (gateways, workers),
 * the rollups and Prometheus: because every process counts into the same bounds, histograms add
 * up across gateways and replicas, and so do the percentiles read from them (the sum of averages
 * or of per-process p99s would not).
 *
 * Bucket i counts durations in (bound[i-1], bound[i]] µs; the last bucket is everything above the
 * last bound. Bounds grow by 2^(1/4) (about 19% apart) from 50 µs to about 3.4 minutes, so a
 * percentile read from them is within one bucket, about 19%, of the exact value.
 */

const FIRST_BOUND_US = 50;
const BUCKETS_PER_DOUBLING = 4;
const DOUBLINGS = 22;

/** Upper bounds in µs, ascending; bucket `LATENCY_BOUNDS_US.length` is the overflow. */
export const LATENCY_BOUNDS_US: readonly number[] = Array.from(
  { length: DOUBLINGS * BUCKETS_PER_DOUBLING + 1 },
  (_, index) => Math.round(FIRST_BOUND_US * 2 ** (index / BUCKETS_PER_DOUBLING)),
);

/** Buckets per histogram, the overflow included. */
export const LATENCY_BUCKET_COUNT = LATENCY_BOUNDS_US.length + 1;

/**
 * Every BUCKETS_PER_DOUBLING-th bound (50 µs, 100 µs, 200 µs, …): the coarser buckets Prometheus
 * exports, which still line up with the fine ones so both say the same thing.
 */
export const PROMETHEUS_BOUNDS_US: readonly number[] = LATENCY_BOUNDS_US.filter(
  (_, index) => index % BUCKETS_PER_DOUBLING === 0,
);

/** The bucket a duration falls in. */
export function latencyBucketOf(durationUs: number): number {
  if (!(durationUs > FIRST_BOUND_US)) return 0;
  // Computed, then corrected for rounding of the bounds at the edges.
  let index = Math.ceil(Math.log2(durationUs / FIRST_BOUND_US) * BUCKETS_PER_DOUBLING);
  while (index > 0 && index <= LATENCY_BOUNDS_US.length && durationUs <= LATENCY_BOUNDS_US[index - 1]!)
    index -= 1;
  while (index < LATENCY_BOUNDS_US.length && durationUs > LATENCY_BOUNDS_US[index]!) index += 1;
  return Math.min(index, LATENCY_BOUNDS_US.length);
}

/** Adds `other` into `into` (same length), for histograms of several minutes, versions or gateways. */
export function addHistogram(into: number[], other: readonly number[]): number[] {
  for (let index = 0; index < other.length; index += 1) into[index] = (into[index] ?? 0) + other[index]!;
  return into;
}

export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
}

/**
 * The duration below which a share `q` (0..1) of the counted durations fell, in µs: the upper
 * bound of the bucket that holds the q-th one, or null when nothing was counted. In the overflow
 * bucket it is the last bound (the true value is larger; the chart says "over").
 */
export function percentileUs(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let index = 0; index < counts.length; index += 1) {
    seen += counts[index]!;
    if (seen >= rank) return LATENCY_BOUNDS_US[Math.min(index, LATENCY_BOUNDS_US.length - 1)]!;
  }
  return LATENCY_BOUNDS_US[LATENCY_BOUNDS_US.length - 1]!;
}

/** percentileUs at several shares in one pass over the counts (the charts read p50, p95 and p99). */
export function percentilesUs(counts: readonly number[], qs: readonly number[]): (number | null)[] {
  let total = 0;
  for (const count of counts) total += count;
  if (total === 0) return qs.map(() => null);
  const ranks = qs.map((q) => Math.max(1, Math.ceil(q * total)));
  const found: (number | null)[] = qs.map(() => null);
  let seen = 0;
  let pending = qs.length;
  for (let index = 0; index < counts.length && pending > 0; index += 1) {
    seen += counts[index]!;
    ranks.forEach((rank, at) => {
      if (found[at] === null && seen >= rank) {
        found[at] = LATENCY_BOUNDS_US[Math.min(index, LATENCY_BOUNDS_US.length - 1)]!;
        pending -= 1;
      }
    });
  }
  return found.map((value) => value ?? LATENCY_BOUNDS_US[LATENCY_BOUNDS_US.length - 1]!);
}
