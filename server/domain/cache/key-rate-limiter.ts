import { TtlLru } from "@/server/domain/cache/ttl-lru";

/**
 * At most `limit` acquisitions per key in any window of `windowMs` (a fixed window that starts
 * at a key's first acquisition). Keys are held in a bounded LRU, so a flood of distinct keys
 * costs at most `maxKeys` entries; a key pushed out starts afresh, which only errs towards allowing.
 */
export class KeyRateLimiter<K> {
  private readonly windows: TtlLru<K, { count: number; startedAtMs: number }>;

  constructor(
    private readonly options: { limit: number; windowMs: number; maxKeys: number; nowMs?: () => number },
  ) {
    if (!(Number.isInteger(options.limit) && options.limit > 0))
      throw new Error(`limit must be a positive integer, not ${options.limit}`);
    this.windows = new TtlLru({ maxEntries: options.maxKeys, ttlMs: options.windowMs, nowMs: options.nowMs });
  }

  /** Counts an acquisition and says whether it is allowed; a refused one is not counted. */
  tryAcquire(key: K): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const window = this.windows.get(key);
    if (!window) {
      this.windows.set(key, { count: 1, startedAtMs: this.now() });
      return { allowed: true };
    }
    if (window.count >= this.options.limit)
      return {
        allowed: false,
        retryAfterMs: Math.max(1, window.startedAtMs + this.options.windowMs - this.now()),
      };
    // Mutated in place: set() would restart the window's expiry.
    window.count += 1;
    return { allowed: true };
  }

  private now(): number {
    return this.options.nowMs?.() ?? performance.now();
  }
}
