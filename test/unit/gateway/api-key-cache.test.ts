import { describe, expect, it } from "vitest";
import { ApiKeyCache } from "@/server/gateway/api-key-cache";
import type { StoredApiKey } from "@/server/services/auth/authenticate-api-key";

const stored = (id: string, revokedAt: Date | null = null): StoredApiKey => ({
  id,
  teamId: "team-a",
  teamSlug: "a",
  role: "viewer",
  keyHash: "0".repeat(64),
  deploymentNames: [],
  requestsPerMinute: null,
  expiresAt: null,
  revokedAt,
});

function setup(options: { ttlMs?: number; maxKeys?: number } = {}) {
  let nowMs = 0;
  const loads: string[] = [];
  const rows = new Map<string, StoredApiKey>();
  let release: (() => void) | null = null;
  let hold = false;
  const cache = new ApiKeyCache(
    async (id) => {
      loads.push(id);
      // Read first, answer later: as a query that read the row just before a change committed.
      const row = rows.get(id) ?? null;
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      return row;
    },
    { ttlMs: options.ttlMs ?? 1_000, maxKeys: options.maxKeys ?? 10, lookupTimeoutMs: 1_000 },
    () => nowMs,
  );
  return {
    cache,
    loads,
    rows,
    advance: (ms: number) => (nowMs += ms),
    holdLoads: () => (hold = true),
    releaseLoad: () => {
      hold = false;
      release?.();
    },
  };
}

describe("the gateway's API key cache", () => {
  it("reads a key once and serves it from memory until its TTL, unknown ids included", async () => {
    const { cache, loads, rows, advance } = setup();
    rows.set("k1", stored("k1"));
    expect(await cache.get("k1")).toMatchObject({ id: "k1" });
    expect(await cache.get("k1")).toMatchObject({ id: "k1" });
    expect(await cache.get("nope")).toBeNull();
    expect(await cache.get("nope")).toBeNull();
    expect(loads).toEqual(["k1", "nope"]);
    advance(1_000);
    await cache.get("k1");
    expect(loads).toEqual(["k1", "nope", "k1"]);
  });

  it("shares one lookup among concurrent requests", async () => {
    const { cache, loads, rows } = setup();
    rows.set("k1", stored("k1"));
    await Promise.all([cache.get("k1"), cache.get("k1"), cache.get("k1")]);
    expect(loads).toEqual(["k1"]);
  });

  it("reads a dropped key again, and keeps nothing a lookup begun before the drop returned", async () => {
    const { cache, loads, rows, holdLoads, releaseLoad } = setup();
    rows.set("k1", stored("k1"));
    await cache.get("k1");
    rows.set("k1", stored("k1", new Date(5)));
    cache.drop("k1");
    expect((await cache.get("k1"))?.revokedAt).toEqual(new Date(5));

    // A lookup that read the row before the revocation committed must not be cached after it.
    rows.set("k2", stored("k2"));
    holdLoads();
    const stale = cache.get("k2");
    cache.drop("k2");
    rows.set("k2", stored("k2", new Date(7)));
    releaseLoad();
    expect((await stale)?.revokedAt).toBeNull();
    expect((await cache.get("k2"))?.revokedAt).toEqual(new Date(7));
    expect(loads).toEqual(["k1", "k1", "k2", "k2"]);
  });

  it("holds at most maxKeys keys, dropping the least recently used", async () => {
    const { cache, loads } = setup({ maxKeys: 2 });
    for (const id of ["a", "b", "a", "c", "a", "b"]) await cache.get(id);
    expect(loads).toEqual(["a", "b", "c", "b"]);
  });
});
