import { describe, expect, it } from "vitest";
import { createPrng } from "@/server/domain/prng";
import { canaryTarget } from "@/server/domain/traffic/revision-changes";
import { chooseVersion, compileRouting, routingPoint } from "@/server/domain/traffic/route-request";
import { type RevisionTarget, ZRevisionTarget } from "@/server/domain/traffic/revision-target";

const target = (weights: [string, number, number][], shadows: [string, number][] = []): RevisionTarget =>
  ZRevisionTarget.parse({
    kind: "versions",
    weights: weights.map(([versionId, versionNumber, weight]) => ({ versionId, versionNumber, weight })),
    shadows: shadows.map(([versionId, versionNumber]) => ({ versionId, versionNumber })),
  });

function shares(choose: (index: number) => string, draws: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let index = 0; index < draws; index += 1) {
    const id = choose(index);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return new Map([...counts].map(([id, count]) => [id, (count / draws) * 100]));
}

/** The reference description of routingPoint: FNV-1a over UTF-8 bytes, fmix32, / 2^32, * 100. */
function referencePoint(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) hash = Math.imul(hash ^ byte, 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return ((hash >>> 0) / 4_294_967_296) * 100;
}

describe("random choice", () => {
  it("respects the weights within a point over 100k draws", () => {
    const routing = compileRouting(
      target([
        ["v1", 1, 70],
        ["v2", 2, 20],
        ["v3", 3, 10],
      ]),
    );
    const random = createPrng(42).next;
    const observed = shares(() => routing.choose(null, random).versionId, 100_000);
    expect(Math.abs(observed.get("v1")! - 70)).toBeLessThan(1);
    expect(Math.abs(observed.get("v2")! - 20)).toBeLessThan(1);
    expect(Math.abs(observed.get("v3")! - 10)).toBeLessThan(1);
  });

  it("never picks a version with weight 0", () => {
    const routing = compileRouting(
      target([
        ["v1", 1, 0],
        ["v2", 2, 100],
      ]),
    );
    const random = createPrng(7).next;
    for (let draw = 0; draw < 1000; draw += 1) expect(routing.choose(null, random).versionId).toBe("v2");
  });

  it("maps [0, 1) onto the versions sorted by id, including the edges", () => {
    const routing = compileRouting(
      target([
        ["b", 2, 90],
        ["a", 1, 10],
      ]),
    );
    expect(routing.choose(null, () => 0).versionId).toBe("a");
    expect(routing.choose(null, () => 0.0999).versionId).toBe("a");
    expect(routing.choose(null, () => 0.1).versionId).toBe("b");
    expect(routing.choose(null, () => 0.999999).versionId).toBe("b");
    expect(routing.choose(null, () => 1).versionId).toBe("b");
  });

  it("returns the target's own entry", () => {
    const revision = target([["v1", 1, 100]]);
    expect(chooseVersion(revision, null)).toBe(revision.weights[0]);
  });

  it("refuses a target that sends traffic nowhere", () => {
    const broken = {
      kind: "versions",
      weights: [{ versionId: "v1", versionNumber: 1, weight: 0 }],
      shadows: [],
    } as RevisionTarget;
    expect(() => compileRouting(broken)).toThrow(/at least one weight must be above 0/);
  });
});

describe("sticky choice", () => {
  const revision = target([
    ["v1", 1, 50],
    ["v2", 2, 30],
    ["v3", 3, 20],
  ]);

  it("sends the same key to the same version, in any process and whatever the weights' order", () => {
    const reordered = target([
      ["v3", 3, 20],
      ["v1", 1, 50],
      ["v2", 2, 30],
    ]);
    const first = compileRouting(revision);
    const second = compileRouting(reordered);
    for (let index = 0; index < 2000; index += 1) {
      const key = `req-${index}`;
      const chosen = first.choose(key, () => 0.5).versionId;
      expect(first.choose(key, createPrng(index).next).versionId).toBe(chosen);
      expect(second.choose(key).versionId).toBe(chosen);
      expect(chooseVersion(revision, key).versionId).toBe(chosen);
    }
  });

  it("spreads keys by the weights", () => {
    const routing = compileRouting(revision);
    const observed = shares((index) => routing.choose(`req-${index}`).versionId, 100_000);
    expect(Math.abs(observed.get("v1")! - 50)).toBeLessThan(1);
    expect(Math.abs(observed.get("v2")! - 30)).toBeLessThan(1);
    expect(Math.abs(observed.get("v3")! - 20)).toBeLessThan(1);
  });

  it("hashes the key's UTF-8 bytes with FNV-1a and fmix32", () => {
    for (const key of ["", "a", "req-1", "user:42", "café", "日本語", "🚀 launch", "lone \ud800 surrogate"]) {
      expect(routingPoint(key)).toBe(referencePoint(key));
      expect(routingPoint(key)).toBeGreaterThanOrEqual(0);
      expect(routingPoint(key)).toBeLessThan(100);
    }
  });
});

describe("monotone buckets", () => {
  const keys = Array.from({ length: 20_000 }, (_, index) => `session-${index}`);

  // The canary's id sorts first, in the middle and last, so its interval moves at either end.
  for (const canaryId of ["a-canary", "m-canary", "z-canary"]) {
    it(`keeps keys on the canary as it grows from 5% to 10% to 50% (canary id ${canaryId})`, () => {
      const stable = target([
        ["b-stable", 1, 60],
        ["n-stable", 2, 40],
      ]);
      const canary = { versionId: canaryId, versionNumber: 3 };
      let onCanary = new Set<string>();
      for (const weight of [5, 10, 25, 50]) {
        const routing = compileRouting(canaryTarget(stable, canary, weight));
        const now = new Set(keys.filter((key) => routing.choose(key).versionId === canaryId));
        for (const key of onCanary) expect(now.has(key)).toBe(true);
        expect(Math.abs((now.size / keys.length) * 100 - weight)).toBeLessThan(1.5);
        onCanary = now;
      }
    });
  }

  it("keeps the canary's keys when a step rescales three stable versions", () => {
    const start = target([
      ["a", 1, 33],
      ["c", 2, 33],
      ["e", 3, 34],
    ]);
    const canary = { versionId: "b", versionNumber: 4 };
    const five = canaryTarget(start, canary, 5);
    const ten = canaryTarget(five, canary, 10);
    const before = compileRouting(five);
    const after = compileRouting(ten);
    let stayed = 0;
    for (const key of keys) {
      if (before.choose(key).versionId !== "b") continue;
      expect(after.choose(key).versionId).toBe("b");
      stayed += 1;
    }
    expect(stayed).toBeGreaterThan(500);
  });
});
