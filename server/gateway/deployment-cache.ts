import { AppError } from "@/server/domain/app-error";
import { withTimeout } from "@/server/with-timeout";
import { KeyRateLimiter } from "@/server/domain/cache/key-rate-limiter";
import { TtlLru } from "@/server/domain/cache/ttl-lru";
import { compileRouting } from "@/server/domain/traffic/route-request";
import type { ServingDeployment, ServingVersion } from "@/server/services/deployment/load-serving-deployment";

export interface CachedDeployment extends ServingDeployment {
  routing: ReturnType<typeof compileRouting>;
  versionsByNumber: Map<number, ServingVersion>;
}

/** A deployment's name is unique within its team only: every lookup and drop names both. */
export interface DeploymentKey {
  teamId: string;
  name: string;
}

export interface DeploymentCacheOptions {
  /** How long a name that matched no deployment is answered as unknown without asking Postgres. */
  unknownNameTtlMs: number;
  /** At most this many unknown names are remembered (least recently used dropped first). */
  maxUnknownNames: number;
  /** Postgres lookups per second of a name that matched nothing; past it the name's requests get 429. */
  lookupsPerNamePerSecond: number;
  /** A lookup Postgres has not answered within this fails with 503 (a paused database hangs, it does not refuse). */
  lookupTimeoutMs: number;
}

export const DEFAULT_DEPLOYMENT_CACHE_OPTIONS: DeploymentCacheOptions = {
  unknownNameTtlMs: 5_000,
  maxUnknownNames: 10_000,
  lookupsPerNamePerSecond: 5,
  lookupTimeoutMs: 2_000,
};

/**
 * Deployments by team and name, loaded from Postgres on first use and dropped when a change is
 * announced on pub/sub (or all of them when the subscription reconnects, since messages may
 * have been missed). Requests routed before a drop finish on the revision they were routed with.
 *
 * A name that matches nothing is remembered only briefly and in a bounded LRU: random names
 * must not grow the process, and a deployment created under that name is found once the entry
 * expires (at once when its creation is announced). Lookups that find nothing are rate limited per
 * name, so one name hammered while its entry keeps being pushed out costs a few queries a second.
 */
export class DeploymentCache {
  private readonly found = new Map<string, CachedDeployment>();
  /** Loads in flight: concurrent requests for one name share one query. */
  private readonly loading = new Map<string, Promise<CachedDeployment | null>>();
  private readonly unknown: TtlLru<string, true>;
  /** Lookups that found nothing, per name: a deployment re-read after each change is never limited. */
  private readonly misses: KeyRateLimiter<string>;

  private readonly lookupTimeoutMs: number;

  constructor(
    private readonly load: (key: DeploymentKey) => Promise<ServingDeployment | null>,
    options: DeploymentCacheOptions = DEFAULT_DEPLOYMENT_CACHE_OPTIONS,
    nowMs?: () => number,
  ) {
    this.lookupTimeoutMs = options.lookupTimeoutMs;
    this.unknown = new TtlLru({
      maxEntries: options.maxUnknownNames,
      ttlMs: options.unknownNameTtlMs,
      nowMs,
    });
    this.misses = new KeyRateLimiter({
      limit: options.lookupsPerNamePerSecond,
      windowMs: 1_000,
      // Twice the names: a hot name pushed out of the unknown-name memory by a flood is still counted.
      maxKeys: 2 * options.maxUnknownNames,
      nowMs,
    });
  }

  /**
   * Throws what the loader throws (AppError UNAVAILABLE when Postgres is down), AppError
   * UNAVAILABLE when it does not answer within the lookup timeout, and TOO_MANY_REQUESTS when an
   * unknown name is looked up too often.
   */
  async get(key: DeploymentKey): Promise<CachedDeployment | null> {
    const id = entryId(key);
    const cached = this.found.get(id);
    if (cached) return cached;
    const inFlight = this.loading.get(id);
    if (inFlight) return withLookupTimeout(inFlight, key.name, this.lookupTimeoutMs);
    if (this.unknown.has(id)) return null;
    const retryAfterMs = this.misses.retryAfterMs(id);
    if (retryAfterMs !== null) {
      const retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
      throw new AppError(
        "TOO_MANY_REQUESTS",
        `too many lookups of unknown deployment '${key.name}'; retry in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
    const entry: Promise<CachedDeployment | null> = this.load(key).then(
      (deployment) => deployment && compile(deployment),
    );
    this.loading.set(id, entry);
    // Kept until the lookup itself ends, not a caller's timeout: a hung database gets one query
    // per name, not one per request.
    void entry.then(
      (deployment) => {
        // Dropped while loading (a change was announced): what was read may be stale, keep nothing.
        if (this.loading.get(id) !== entry) return;
        this.loading.delete(id);
        if (deployment) this.found.set(id, deployment);
        else {
          this.unknown.set(id, true);
          this.misses.record(id);
        }
      },
      // A failed load (database down) is not remembered either: the next request tries again.
      () => this.loading.get(id) === entry && this.loading.delete(id),
    );
    return withLookupTimeout(entry, key.name, this.lookupTimeoutMs);
  }

  /** The deployment if it is loaded, without a lookup: for checks that must not wait. */
  peek(key: DeploymentKey): CachedDeployment | undefined {
    return this.found.get(entryId(key));
  }

  invalidate(key: DeploymentKey): void {
    const id = entryId(key);
    this.found.delete(id);
    this.loading.delete(id);
    this.unknown.delete(id);
  }

  clear(): void {
    this.found.clear();
    this.loading.clear();
    this.unknown.clear();
  }
}

/**
 * Each waiting request gives up after the timeout; the lookup itself goes on, and requests that
 * come while it does share it, each with a timeout of its own.
 */
function withLookupTimeout<T>(lookup: Promise<T>, name: string, timeoutMs: number): Promise<T> {
  return withTimeout(
    lookup,
    timeoutMs,
    () =>
      new AppError(
        "UNAVAILABLE",
        `deployment '${name}' cannot be looked up: the registry database did not answer within ${timeoutMs} ms; retry later`,
        { retryAfterSeconds: 1 },
      ),
  );
}

/**
 * The version with the largest share of the active revision: what an unpinned metadata request
 * describes, and whom a request refused before it was routed is counted against.
 */
export function primaryVersionOf(deployment: CachedDeployment): ServingVersion {
  const top = deployment.target.weights.reduce((best, entry) => (entry.weight > best.weight ? entry : best));
  return deployment.versions.get(top.versionId)!;
}

// JSON of the pair: no team id or name can make two keys collide.
const entryId = ({ teamId, name }: DeploymentKey) => JSON.stringify([teamId, name]);

function compile(deployment: ServingDeployment): CachedDeployment {
  return {
    ...deployment,
    routing: compileRouting(deployment.target),
    versionsByNumber: new Map(
      [...deployment.versions.values()].map((version) => [version.versionNumber, version]),
    ),
  };
}
