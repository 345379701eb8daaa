import { describe, expect, it } from "vitest";
import { TtlLru } from "@/server/domain/cache/ttl-lru";

function clock() {
  let nowMs = 0;
  return { nowMs: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

describe("TtlLru", () => {
  it("forgets an entry once its ttl has passed, and not before", () => {
    const time = clock();
    const lru = new TtlLru<string, number>({ maxEntries: 10, ttlMs: 100, nowMs: time.nowMs });
    lru.set("a", 1);
    time.advance(99);
    expect(lru.get("a")).toBe(1);
    time.advance(1);
    expect(lru.get("a")).toBeUndefined();
    expect(lru.size).toBe(0);
  });

  it("drops the least recently used entry when full; a read counts as a use", () => {
    const lru = new TtlLru<string, number>({ maxEntries: 3, ttlMs: 1_000, nowMs: clock().nowMs });
    lru.set("a", 1);
    lru.set("b", 2);
    lru.set("c", 3);
    expect(lru.get("a")).toBe(1);
    lru.set("d", 4);
    expect([lru.has("a"), lru.has("b"), lru.has("c"), lru.has("d")]).toEqual([true, false, true, true]);
    expect(lru.size).toBe(3);
  });

  it("stays at its bound under any number of distinct keys", () => {
    const lru = new TtlLru<number, true>({ maxEntries: 100, ttlMs: 1_000, nowMs: clock().nowMs });
    for (let key = 0; key < 10_000; key++) lru.set(key, true);
    expect(lru.size).toBe(100);
    expect(lru.has(9_999)).toBe(true);
    expect(lru.has(9_899)).toBe(false);
  });

  it("restarts an entry's ttl when it is set again, and deletes on demand", () => {
    const time = clock();
    const lru = new TtlLru<string, number>({ maxEntries: 10, ttlMs: 100, nowMs: time.nowMs });
    lru.set("a", 1);
    time.advance(80);
    lru.set("a", 2);
    time.advance(80);
    expect(lru.get("a")).toBe(2);
    lru.delete("a");
    expect(lru.get("a")).toBeUndefined();
  });

  it("refuses a bound or ttl that is not positive", () => {
    expect(() => new TtlLru({ maxEntries: 0, ttlMs: 1 })).toThrow(
      "maxEntries must be a positive integer, not 0",
    );
    expect(() => new TtlLru({ maxEntries: 1, ttlMs: 0 })).toThrow("ttlMs must be positive, not 0");
  });
});
