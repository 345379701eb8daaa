import { describe, expect, it } from "vitest";
import { KeyRateLimiter } from "@/server/domain/cache/key-rate-limiter";

function clock() {
  let nowMs = 0;
  return { nowMs: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

describe("KeyRateLimiter", () => {
  it("allows `limit` events per key in a window, then says how long until the window ends", () => {
    const time = clock();
    const limiter = new KeyRateLimiter<string>({ limit: 2, windowMs: 1_000, maxKeys: 10, nowMs: time.nowMs });
    expect(limiter.retryAfterMs("a")).toBeNull();
    limiter.record("a");
    time.advance(300);
    expect(limiter.retryAfterMs("a")).toBeNull();
    limiter.record("a");
    expect(limiter.retryAfterMs("a")).toBe(700);
    // Another key has its own budget.
    expect(limiter.retryAfterMs("b")).toBeNull();
    time.advance(700);
    expect(limiter.retryAfterMs("a")).toBeNull();
  });

  it("counts only what is recorded: asking, however often, uses no budget", () => {
    const limiter = new KeyRateLimiter<string>({
      limit: 1,
      windowMs: 100,
      maxKeys: 10,
      nowMs: clock().nowMs,
    });
    for (let i = 0; i < 50; i++) expect(limiter.retryAfterMs("a")).toBeNull();
    limiter.record("a");
    expect(limiter.retryAfterMs("a")).toBe(100);
  });

  it("holds at most maxKeys keys; a key pushed out starts afresh", () => {
    const limiter = new KeyRateLimiter<number>({
      limit: 1,
      windowMs: 1_000,
      maxKeys: 2,
      nowMs: clock().nowMs,
    });
    limiter.record(1);
    limiter.record(2);
    limiter.record(3);
    expect(limiter.retryAfterMs(1)).toBeNull();
    expect(limiter.retryAfterMs(3)).toBe(1_000);
  });

  it("refuses a limit that is not a positive integer", () => {
    expect(() => new KeyRateLimiter({ limit: 0, windowMs: 1, maxKeys: 1 })).toThrow(
      "limit must be a positive integer, not 0",
    );
  });
});
