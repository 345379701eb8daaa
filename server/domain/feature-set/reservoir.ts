import { createPrng } from "@/server/domain/prng";

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
    this.random = createPrng(seed).next;
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
