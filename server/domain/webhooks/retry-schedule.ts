import { z } from "zod";

/**
 * Waits after each failed attempt of a delivery: 10 s, 30 s, 2 min, 10 min, 1 h, so six attempts
 * over about 73 minutes ride out a receiver's deploy or a short outage, and then it is failed.
 */
export const DEFAULT_RETRY_DELAYS_MS = [10_000, 30_000, 120_000, 600_000, 3_600_000] as const;

/** Each wait is scaled by a factor in [1 - JITTER, 1 + JITTER], so retries of many deliveries spread out. */
export const RETRY_JITTER = 0.2;

/** A comma list of milliseconds, e.g. "10000,30000"; an empty list means one attempt only. */
export const ZRetryDelaysMs = z.string().transform((raw, ctx): number[] => {
  const parts = raw
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  const delays = parts.map(Number);
  const bad = parts.filter((_, index) => !Number.isInteger(delays[index]) || delays[index]! < 0);
  if (bad.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `${bad.map((part) => `'${part}'`).join(", ")} in '${raw}' is not a whole number of milliseconds`,
    });
    return z.NEVER;
  }
  return delays;
});

/** Attempts a delivery gets in all: the first, then one after each wait. */
export function maxAttempts(delaysMs: readonly number[]): number {
  return delaysMs.length + 1;
}

/**
 * How long to wait before the next attempt after `attemptsMade` attempts failed, with jitter
 * from `random` (a number in [0, 1)); null when none is left and the delivery has failed.
 */
export function nextRetryDelayMs(
  attemptsMade: number,
  delaysMs: readonly number[],
  random: () => number = Math.random,
): number | null {
  const base = delaysMs[attemptsMade - 1];
  if (attemptsMade < 1 || base === undefined) return null;
  const factor = 1 - RETRY_JITTER + 2 * RETRY_JITTER * random();
  return Math.round(base * factor);
}
