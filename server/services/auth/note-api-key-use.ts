import { TtlLru } from "@/server/domain/cache/ttl-lru";
import { getDb } from "@/server/db";
import { getLogger } from "@/server/logger";

/** lastUsedAt is for people ("used 3 minutes ago"): minute precision, no write per request. */
const LAST_USE_PRECISION_MS = 60_000;
const MAX_TRACKED_KEYS = 10_000;

const noted = new TtlLru<string, true>({ maxEntries: MAX_TRACKED_KEYS, ttlMs: LAST_USE_PRECISION_MS });

/**
 * Records that a key was used, at most once a minute per key and process; the update is
 * conditional, so many processes together still write about once a minute. Never awaited by the
 * request and never fails it: a lost lastUsedAt costs less than a refused call.
 */
export function noteApiKeyUse(apiKeyId: string, now = new Date()): void {
  if (noted.has(apiKeyId)) return;
  noted.set(apiKeyId, true);
  const staleBefore = new Date(now.getTime() - LAST_USE_PRECISION_MS);
  getDb()
    .apiKey.updateMany({
      where: { id: apiKeyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: staleBefore } }] },
      data: { lastUsedAt: now },
    })
    .catch((error: unknown) =>
      getLogger().warn(
        { err: error, apiKeyId, component: "api-keys" },
        "could not record an API key's last use",
      ),
    );
}
