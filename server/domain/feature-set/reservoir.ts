/**
 * A uniform random sample of at most `capacity` values from a stream of unknown length
 * (Vitter's algorithm R): while the stream is shorter than the capacity it keeps every value,
 * so statistics over it are exact; past that, each value seen so far is kept with equal
 * probability. The generator is seeded, so the same stream always gives the same sample.
 */
export class Reservoir {
  private readonly values: Float64Array;
  private seen = 0;
  private readonly random: () => number;

  constructor(
    readonly capacity: number,
    seed: number,
  ) {
    this.values = new Float64Array(capacity);
    this.random = mulberry32(seed);
  }

  /** How many values were offered; more than `capacity` means the sample is a subset. */
  get seenCount(): number {
    return this.seen;
  }

  offer(value: number): void {
    if (this.seen < this.capacity) {
      this.values[this.seen] = value;
    } else {
      const slot = Math.floor(this.random() * (this.seen + 1));
      if (slot < this.capacity) this.values[slot] = value;
    }
    this.seen++;
  }

  /** The kept values, ascending (a copy). */
  sorted(): Float64Array {
    return this.values.slice(0, Math.min(this.seen, this.capacity)).sort();
  }
}

/** mulberry32: a small, fast 32-bit PRNG with uniform output in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
