/**
 * Seeded pseudo-random numbers (mulberry32): the demo data and weights must be the same bytes
 * on every run and machine, which Math.random cannot give.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(min: number, max: number): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  normal(mean?: number, std?: number): number;
  bernoulli(probability: number): boolean;
  /** Index drawn with probability proportional to its weight. */
  weightedIndex(weights: readonly number[]): number;
}

export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Box-Muller yields pairs; keeping the spare halves the cost of normal draws.
  let spare: number | null = null;
  const standardNormal = () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const u = 1 - next(); // in (0, 1], so log(u) is finite
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * next();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal: (mean = 0, std = 1) => mean + std * standardNormal(),
    bernoulli: (probability) => next() < probability,
    weightedIndex: (weights) => {
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      let remaining = next() * total;
      for (let i = 0; i < weights.length; i++) {
        remaining -= weights[i] as number;
        if (remaining < 0) return i;
      }
      return weights.length - 1;
    },
  };
}
