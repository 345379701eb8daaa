import { AppError } from "@/server/domain/app-error";
import { TtlLru } from "@/server/domain/cache/ttl-lru";
import type { StoredApiKey } from "@/server/services/auth/authenticate-api-key";
import { withTimeout } from "@/server/with-timeout";

export interface ApiKeyCacheOptions {
  /** How long a key read from Postgres is used without reading it again. */
  ttlMs: number;
  /** Keys (and ids that matched no key) held at most; the least recently used go first. */
  maxKeys: number;
  /** A lookup Postgres has not answered within this fails with 503. */
  lookupTimeoutMs: number;
}

/**
 * The gateway's API keys by id, so a request costs a hash and a map lookup, not a query. An entry
 * lives `ttlMs` at most; a revocation announced on pub/sub drops it at once (and a reconnect of
 * the subscription drops everything, as announcements may have been missed). Expiry needs no
 * event: it is checked against the clock on every use (authenticate-api-key.ts). Ids that match
 * no key are remembered too, in the same bounded LRU, so guessed keys cost one query per id.
 */
export class ApiKeyCache {
  private readonly entries: TtlLru<string, StoredApiKey | null>;
  /** Loads in flight: concurrent requests with one key share one query. */
  private readonly loading = new Map<string, Promise<StoredApiKey | null>>();

  constructor(
    private readonly load: (id: string) => Promise<StoredApiKey | null>,
    private readonly options: ApiKeyCacheOptions,
    nowMs?: () => number,
  ) {
    this.entries = new TtlLru({ maxEntries: options.maxKeys, ttlMs: options.ttlMs, nowMs });
  }

  async get(id: string): Promise<StoredApiKey | null> {
    const cached = this.entries.get(id);
    if (cached !== undefined) return cached;
    let entry = this.loading.get(id);
    if (!entry) {
      const loaded = this.load(id);
      entry = loaded;
      this.loading.set(id, loaded);
      void loaded.then(
        (key) => {
          // Dropped while loading (a revocation was announced): what was read may be stale.
          if (this.loading.get(id) !== loaded) return;
          this.loading.delete(id);
          this.entries.set(id, key);
        },
        () => this.loading.get(id) === loaded && this.loading.delete(id),
      );
    }
    return withTimeout(
      entry,
      this.options.lookupTimeoutMs,
      () =>
        new AppError(
          "UNAVAILABLE",
          `the API key cannot be checked: the registry database did not answer within ${this.options.lookupTimeoutMs} ms; retry later`,
          { retryAfterSeconds: 1 },
        ),
    );
  }

  drop(id: string): void {
    this.entries.delete(id);
    this.loading.delete(id);
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
  }
}
