import { percentileOfSorted } from "@/server/domain/feature-set/histogram-bins";

export interface AdaptiveLimitOptions {
  /**
   * The limit never goes below this, so some work always runs and latency keeps being measured.
   * With dynamic batching a deployment's latency grows with the rows in flight while its
   * throughput does too, up to a full batch running and one gathering: refusing below that would
   * cut throughput, not queueing.
   */
  minLimit: number;
  /** The hard cap: the limit never goes above this, whatever latency says. */
  maxLimit: number;
  /** Latency up to this many times the baseline is accepted; above it the limit is cut. */
  tolerance: number;
  /** Completed requests are judged together over at least this long... */
  windowMs: number;
  /** ...and at least this many of them, so a window's latency is not one request's. */
  minWindowSamples: number;
  /**
   * The baseline is re-measured this often, by one window run at `minLimit`: without it the
   * lowest latency ever seen would stand forever, however the model or machine changed.
   */
  baselineRefreshMs: number;
}

/** A window's figures, for a log line when the limit changes. */
export interface LimitChange {
  limit: number;
  previousLimit: number;
  windowLatencyMs: number;
  baselineMs: number;
}

interface Window {
  startedAtMs: number;
  /** Requests completed in the window, and their rows. */
  samples: number;
  rows: number;
  maxInFlight: number;
}

/** At most this many latencies are kept per window: a window that fills up ends early. */
const MAX_WINDOW_SAMPLES = 1_024;
/**
 * The percentile of a window's latencies that the limit follows: the median, as Envoy's filter
 * does, since the lowest of many windows' tails is the luckiest window, not the no-load latency.
 */
const WINDOW_PERCENTILE = 50;
/** A cut is at least this: latency above tolerance always lowers the limit. */
const MIN_CUT_FACTOR = 0.9;
/**
 * A request in flight this many times the tolerated latency says a queue has formed, before any
 * window of completed requests can: see `maxInFlightAgeMs`.
 */
const IN_FLIGHT_AGE_FACTOR = 2;

/**
 * How many rows of one deployment's requests may be in flight at once (rows, not requests: a
 * 32-row request is 32 rows of work), adapted to the latency of those that completed (in the
 * style of Envoy's adaptive concurrency filter and Netflix's concurrency-limits): the baseline is
 * the latency at low concurrency; a window whose latency is above `tolerance` times the baseline
 * cuts the limit to the rows its throughput can complete within that latency (Little's law); a
 * window that used at least half the limit raises it by its square root. It starts at
 * `maxLimit`, so nothing is refused before latency says so (a burst on a fresh gateway is served
 * as before), and one window of slow answers brings it down to what the deployment sustains.
 * Time is passed in (ms on any clock).
 */
export class AdaptiveConcurrencyLimit {
  private current: number;
  private baselineMs: number | null = null;
  private nextBaselineRefreshAtMs: number | null = null;
  /** The limit to go back to after a window at `minLimit` re-measured the baseline. */
  private limitBeforeProbe: number | null = null;
  /** The current window's latencies, in the first `samples` slots; reused, window after window. */
  private readonly latenciesMs = new Float64Array(MAX_WINDOW_SAMPLES);
  private window: Window | null = null;

  constructor(private readonly options: AdaptiveLimitOptions) {
    if (!(options.minLimit >= 1 && options.minLimit <= options.maxLimit))
      throw new Error(`minLimit must be in 1..maxLimit, not ${options.minLimit} (max ${options.maxLimit})`);
    if (!(options.tolerance > 1)) throw new Error(`tolerance must be above 1, not ${options.tolerance}`);
    this.current = options.maxLimit;
  }

  get limit(): number {
    return this.current;
  }

  /**
   * The age past which the oldest request in flight means requests wait in a queue: the second
   * signal, CoDel's, which acts at once where a window of completed requests ends only after its
   * slowest answers (a limit at its cap when overload begins would queue a whole window of work).
   * Null until a baseline is measured.
   */
  get maxInFlightAgeMs(): number | null {
    if (this.baselineMs === null) return null;
    return this.baselineMs * this.options.tolerance * IN_FLIGHT_AGE_FACTOR;
  }

  /**
   * One request of `rows` rows completed after `latencyMs`, with `inFlight` rows in flight when it
   * did (its own included). Returns the change when this sample ended a window that moved the limit.
   */
  record(latencyMs: number, rows: number, inFlight: number, nowMs: number): LimitChange | null {
    this.window ??= { startedAtMs: nowMs, samples: 0, rows: 0, maxInFlight: 0 };
    const window = this.window;
    this.latenciesMs[window.samples] = latencyMs;
    window.samples += 1;
    window.rows += rows;
    window.maxInFlight = Math.max(window.maxInFlight, inFlight);
    const full = window.samples >= MAX_WINDOW_SAMPLES;
    const due =
      nowMs - window.startedAtMs >= this.options.windowMs && window.samples >= this.options.minWindowSamples;
    if (!full && !due) return null;
    this.window = null;
    return this.endWindow(window, nowMs);
  }

  private endWindow(window: Window, nowMs: number): LimitChange | null {
    const { minLimit, maxLimit, tolerance } = this.options;
    const windowLatencyMs = percentileOfSorted(
      this.latenciesMs.subarray(0, window.samples).sort(),
      WINDOW_PERCENTILE,
    );
    const previousLimit = this.current;

    if (this.limitBeforeProbe !== null) {
      // This window ran at minLimit: its latency is the baseline now, higher or lower.
      this.baselineMs = windowLatencyMs;
      this.current = this.limitBeforeProbe;
      this.limitBeforeProbe = null;
    } else {
      this.baselineMs = Math.min(this.baselineMs ?? windowLatencyMs, windowLatencyMs);
      const toleratedMs = this.baselineMs * tolerance;
      if (windowLatencyMs > toleratedMs) {
        const durationMs = Math.max(1, nowMs - window.startedAtMs);
        const completedRowsPerMs = window.rows / durationMs;
        const sustainable = Math.floor(completedRowsPerMs * toleratedMs);
        this.current = Math.max(minLimit, Math.min(sustainable, Math.floor(this.current * MIN_CUT_FACTOR)));
      } else if (window.maxInFlight >= this.current / 2) {
        this.current = Math.min(maxLimit, this.current + Math.max(1, Math.floor(Math.sqrt(this.current))));
      }
    }

    this.nextBaselineRefreshAtMs ??= nowMs + this.options.baselineRefreshMs;
    if (nowMs >= this.nextBaselineRefreshAtMs) {
      this.nextBaselineRefreshAtMs = nowMs + this.options.baselineRefreshMs;
      this.limitBeforeProbe = this.current;
      this.current = minLimit;
    }
    if (this.current === previousLimit) return null;
    return { limit: this.current, previousLimit, windowLatencyMs, baselineMs: this.baselineMs };
  }
}
