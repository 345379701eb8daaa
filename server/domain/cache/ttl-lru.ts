/**
 * A map of at most `maxEntries` entries, each kept for `ttlMs` after it was set: a full map drops
 * its least recently used entry, and an expired entry reads as absent (and is dropped then).
 * A Map keeps insertion order, so re-inserting on use keeps the least recently used first.
 */
export class TtlLru<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAtMs: number }>();

  constructor(private readonly options: { maxEntries: number; ttlMs: number; nowMs?: () => number }) {
    if (!(Number.isInteger(options.maxEntries) && options.maxEntries > 0))
      throw new Error(`maxEntries must be a positive integer, not ${options.maxEntries}`);
    if (!(options.ttlMs > 0)) throw new Error(`ttlMs must be positive, not ${options.ttlMs}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAtMs <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAtMs: this.now() + this.options.ttlMs });
    if (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private now(): number {
    return this.options.nowMs?.() ?? performance.now();
  }
}
