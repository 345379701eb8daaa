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

const LAST_BOUND_US = LATENCY_BOUNDS_US[LATENCY_BOUNDS_US.length - 1]!;

/**
 * For each bit length of a whole number of µs (index k: from 2^k), the bucket of 2^k, i.e. how
 * many bounds lie below it: a duration of k+1 bits starts its search there and, bounds being
 * 2^(1/4) apart, steps at most five buckets up.
 */
const FIRST_BUCKET_OF_BITS: readonly number[] = Array.from(
  { length: 32 },
  (_, bits) => LATENCY_BOUNDS_US.filter((bound) => bound < 2 ** bits).length,
);

/**
 * The bucket a duration falls in: how many bounds lie below it. Called three times per request
 * on the gateway, so by a bit count and a few comparisons rather than a logarithm. The bounds
 * are whole µs, so a duration is below a bound exactly when its ceiling is.
 */
export function latencyBucketOf(durationUs: number): number {
  if (!(durationUs > FIRST_BOUND_US)) return 0;
  if (durationUs > LAST_BOUND_US) return LATENCY_BOUNDS_US.length;
  const wholeUs = Math.ceil(durationUs);
  let index = FIRST_BUCKET_OF_BITS[31 - Math.clz32(wholeUs)]!;
  // Ends at the last bound at the latest, which wholeUs does not exceed.
  while (LATENCY_BOUNDS_US[index]! < wholeUs) index += 1;
  return index;
}

/** Adds `other` into `into` (same length), for histograms of several minutes, versions or gateways. */
export function addHistogram(into: number[], other: readonly number[]): number[] {
  for (let index = 0; index < other.length; index += 1) into[index] = (into[index] ?? 0) + other[index]!;
  return into;
}

export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
}

const COMMA = 44;
const DIGIT_ZERO = 48;

/**
 * A histogram from its counts joined by commas ("0,3,12,0"), as Postgres's array_to_string writes
 * an integer[] of non-negative counts, at the shared length: a shorter one (other bounds) is
 * padded with zeros, a longer one cut. One scan of the character codes: a string per count, as
 * split() makes, took a quarter of a 30-day chart query's time (bench:charts).
 */
export function histogramOfJoinedCounts(joined: string): number[] {
  const counts = emptyHistogram();
  let index = 0;
  let value = 0;
  for (let at = 0; at < joined.length && index < LATENCY_BUCKET_COUNT; at += 1) {
    const code = joined.charCodeAt(at);
    if (code === COMMA) {
      counts[index] = value;
      index += 1;
      value = 0;
    } else value = value * 10 + (code - DIGIT_ZERO);
  }
  if (index < LATENCY_BUCKET_COUNT && joined.length > 0) counts[index] = value;
  return counts;
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
