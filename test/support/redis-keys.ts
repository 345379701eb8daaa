import type { Redis } from "ioredis";

/** Full key names matching a pattern (SCAN, not KEYS: Redis keeps serving meanwhile). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  return keys;
}

/** Removes every key under a prefix; works with clients that add a keyPrefix of their own. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  const clientPrefixLength = redis.options.keyPrefix?.length ?? 0;
  const keys = await scanKeys(redis, `${prefix}*`);
  for (let i = 0; i < keys.length; i += 500)
    await redis.unlink(...keys.slice(i, i + 500).map((key) => key.slice(clientPrefixLength)));
}
