import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";

/**
 * API keys look like `mlk_<id>_<secret>`: `mlk_` says what it is (and lets secret scanners find
 * leaked ones), the 8-character id names the key's row (so a lookup is by primary key and the
 * id shows in lists and the audit log as `apikey:<id>`), and the secret is 32 random bytes in
 * base64url (43 characters). Only the sha256 of the whole key is stored.
 */
const KEY_PATTERN = /^mlk_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const API_KEY_ID_LENGTH = 8;

export interface NewApiKey {
  id: string;
  /** Shown in lists so keys can be told apart: `mlk_<id>`. */
  prefix: string;
  /** The whole key: returned once, to the one who created it. */
  key: string;
  keyHash: string;
}

export function generateApiKey(): NewApiKey {
  const id = Array.from({ length: API_KEY_ID_LENGTH }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join(
    "",
  );
  const key = `mlk_${id}_${randomBytes(32).toString("base64url")}`;
  return { id, prefix: apiKeyPrefix(id), key, keyHash: hashApiKey(key) };
}

export const apiKeyPrefix = (id: string) => `mlk_${id}`;

/** The id a presented key claims, or null when it is not shaped like a key of ours. */
export function apiKeyIdOf(presented: string): string | null {
  return KEY_PATTERN.exec(presented)?.[1] ?? null;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Whether the presented key is the one stored with `keyHash`, in time that does not depend on where they differ. */
export function matchesApiKeyHash(presented: string, keyHash: string): boolean {
  const expected = Buffer.from(keyHash, "hex");
  const actual = createHash("sha256").update(presented).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
