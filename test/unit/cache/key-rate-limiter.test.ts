import { describe, expect, it } from "vitest";
import { KeyRateLimiter } from "@/server/domain/cache/key-rate-limiter";

function clock() {
  let nowMs = 0;
  return { nowMs: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

describe("KeyRateLimiter", () => {
  it("allows `limit` acquisitions per key in a window, then refuses with the time left", () => {
    const time = clock();
    const limiter = new KeyRateLimiter<string>({ limit: 2, windowMs: 1_000, maxKeys: 10, nowMs: time.nowMs });
    expect(limiter.tryAcquire("a")).toEqual({ allowed: true });
    time.advance(300);
    expect(limiter.tryAcquire("a")).toEqual({ allowed: true });
    expect(limiter.tryAcquire("a")).toEqual({ allowed: false, retryAfterMs: 700 });
    // Another key has its own budget.
    expect(limiter.tryAcquire("b")).toEqual({ allowed: true });
    time.advance(700);
    expect(limiter.tryAcquire("a")).toEqual({ allowed: true });
  });

  it("does not count refusals: a key hammered past its limit is allowed again when the window ends", () => {
    const time = clock();
    const limiter = new KeyRateLimiter<string>({ limit: 1, windowMs: 100, maxKeys: 10, nowMs: time.nowMs });
    limiter.tryAcquire("a");
    for (let i = 0; i < 50; i++) expect(limiter.tryAcquire("a").allowed).toBe(false);
    time.advance(100);
    expect(limiter.tryAcquire("a").allowed).toBe(true);
  });

  it("holds at most maxKeys keys; a key pushed out starts afresh", () => {
    const time = clock();
    const limiter = new KeyRateLimiter<number>({ limit: 1, windowMs: 1_000, maxKeys: 2, nowMs: time.nowMs });
    limiter.tryAcquire(1);
    limiter.tryAcquire(2);
    limiter.tryAcquire(3);
    expect(limiter.tryAcquire(1).allowed).toBe(true);
    expect(limiter.tryAcquire(3).allowed).toBe(false);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => new KeyRateLimiter({ limit: 0, windowMs: 1, maxKeys: 1 })).toThrow(
      "limit must be a positive integer, not 0",
    );
  });
});
