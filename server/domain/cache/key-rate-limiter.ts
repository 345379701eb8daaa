import { TtlLru } from "@/server/domain/cache/ttl-lru";

/**
 * At most `limit` events per key in any window of `windowMs` (a fixed window that starts at a
 * key's first event). Asking and counting are apart, so a caller can count only the events that
 * turn out to be the kind it limits. Keys are held in a bounded LRU, so a flood of distinct keys
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

  /** How long until the key may have another event; null when it may now. Counts nothing. */
  retryAfterMs(key: K): number | null {
    const window = this.windows.get(key);
    if (!window || window.count < this.options.limit) return null;
    return Math.max(1, window.startedAtMs + this.options.windowMs - this.now());
  }

  record(key: K): void {
    const window = this.windows.get(key);
    // Mutated in place: set() would restart the window's expiry.
    if (window) window.count += 1;
    else this.windows.set(key, { count: 1, startedAtMs: this.now() });
  }

  private now(): number {
    return this.options.nowMs?.() ?? performance.now();
  }
}
