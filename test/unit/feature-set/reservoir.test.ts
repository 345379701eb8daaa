import { describe, expect, it } from "vitest";
import { Reservoir } from "@/server/domain/feature-set/reservoir";

const offered = (capacity: number, values: number[], seed = 7) => {
  const reservoir = new Reservoir(capacity, seed);
  for (const value of values) reservoir.offer(value);
  return reservoir;
};
const range = (count: number) => Array.from({ length: count }, (_, index) => index);

describe("Reservoir", () => {
  it("keeps every value while the stream fits", () => {
    const reservoir = offered(10, [5, 3, 9]);
    expect(reservoir.seenCount).toBe(3);
    expect(Array.from(reservoir.sorted())).toEqual([3, 5, 9]);
  });

  it("keeps exactly its capacity of the values seen once the stream is longer", () => {
    const reservoir = offered(100, range(10_000));
    expect(reservoir.seenCount).toBe(10_000);
    const kept = Array.from(reservoir.sorted());
    expect(kept).toHaveLength(100);
    expect(new Set(kept).size).toBe(100);
    expect(kept.every((value) => Number.isInteger(value) && value >= 0 && value < 10_000)).toBe(true);
  });

  it("gives the same sample for the same stream and seed", () => {
    expect(offered(50, range(5000)).sorted()).toEqual(offered(50, range(5000)).sorted());
    expect(offered(50, range(5000), 8).sorted()).not.toEqual(offered(50, range(5000)).sorted());
  });

  it("samples uniformly: late values are kept as often as early ones", () => {
    // 200 draws of 1000 from 0..9999: each quarter of the stream should hold about a quarter.
    const quarters = [0, 0, 0, 0];
    for (let seed = 1; seed <= 200; seed++) {
      for (const value of offered(1000, range(10_000), seed).sorted())
        quarters[Math.floor(value / 2500)]! += 1;
    }
    for (const count of quarters) expect(Math.abs(count / 200_000 - 0.25)).toBeLessThan(0.01);
  });
});
