import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_DELAYS_MS,
  maxAttempts,
  nextRetryDelayMs,
  RETRY_JITTER,
  ZRetryDelaysMs,
} from "@/server/domain/webhooks/retry-schedule";

describe("the webhook retry schedule", () => {
  it("gives six attempts by default: waits of 10 s, 30 s, 2 min, 10 min and 1 h, then none", () => {
    expect(maxAttempts(DEFAULT_RETRY_DELAYS_MS)).toBe(6);
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((made) => nextRetryDelayMs(made, DEFAULT_RETRY_DELAYS_MS, middle))).toEqual(
      [10_000, 30_000, 120_000, 600_000, 3_600_000, null],
    );
    expect(nextRetryDelayMs(0, DEFAULT_RETRY_DELAYS_MS)).toBeNull();
  });

  it("spreads each wait by the jitter, never beyond it", () => {
    expect(nextRetryDelayMs(1, [10_000], () => 0)).toBe(10_000 * (1 - RETRY_JITTER));
    expect(nextRetryDelayMs(1, [10_000], () => 0.999_999)).toBe(10_000 * (1 + RETRY_JITTER));
    for (let index = 0; index < 200; index++) {
      const delay = nextRetryDelayMs(2, DEFAULT_RETRY_DELAYS_MS)!;
      expect(delay).toBeGreaterThanOrEqual(30_000 * (1 - RETRY_JITTER));
      expect(delay).toBeLessThanOrEqual(30_000 * (1 + RETRY_JITTER));
    }
  });

  it("reads WEBHOOK_RETRY_DELAYS_MS as a comma list, naming a bad entry", () => {
    expect(ZRetryDelaysMs.parse("100, 200,300")).toEqual([100, 200, 300]);
    expect(ZRetryDelaysMs.parse("")).toEqual([]);
    expect(maxAttempts(ZRetryDelaysMs.parse(""))).toBe(1);
    const parsed = ZRetryDelaysMs.safeParse("100,ten,-5");
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(
      "'ten', '-5' in '100,ten,-5' is not a whole number of milliseconds",
    );
  });
});
