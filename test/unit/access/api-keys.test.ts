import { describe, expect, it } from "vitest";
import { apiKeyRefusal } from "@/server/domain/access/api-key-refusal";
import {
  apiKeyIdOf,
  generateApiKey,
  hashApiKey,
  matchesApiKeyHash,
} from "@/server/services/auth/api-key-secret";

describe("API key secrets", () => {
  it("look like mlk_<8 character id>_<43 character secret>, hashed with sha256", () => {
    const key = generateApiKey();
    expect(key.key).toMatch(/^mlk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(`mlk_${key.id}`);
    expect(key.key.startsWith(`${key.prefix}_`)).toBe(true);
    expect(key.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.keyHash).toBe(hashApiKey(key.key));
    expect(key.keyHash).not.toContain(key.key.slice(13));
  });

  it("are new each time", () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    expect(new Set(keys.map((key) => key.id)).size).toBe(200);
    expect(new Set(keys.map((key) => key.key)).size).toBe(200);
  });

  it("name their id only when shaped like a key", () => {
    const { key, id } = generateApiKey();
    expect(apiKeyIdOf(key)).toBe(id);
    expect(apiKeyIdOf(`${key}x`)).toBeNull();
    expect(apiKeyIdOf(key.replace("mlk_", "mlx_"))).toBeNull();
    expect(apiKeyIdOf("")).toBeNull();
  });

  it("match only the key they were made from", () => {
    const { key, keyHash } = generateApiKey();
    expect(matchesApiKeyHash(key, keyHash)).toBe(true);
    expect(matchesApiKeyHash(`${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`, keyHash)).toBe(false);
    expect(matchesApiKeyHash(key, "not hex")).toBe(false);
  });
});

describe("a stored key", () => {
  const now = new Date("2026-12-03T12:00:00.000Z");

  it("authenticates until it expires or is revoked, and says which", () => {
    expect(apiKeyRefusal({ revokedAt: null, expiresAt: null }, now)).toBeNull();
    expect(
      apiKeyRefusal({ revokedAt: null, expiresAt: new Date("2026-12-03T12:00:00.001Z") }, now),
    ).toBeNull();
    expect(apiKeyRefusal({ revokedAt: null, expiresAt: now }, now)).toBe(
      "API key expired on 2026-12-03T12:00:00.000Z",
    );
    expect(apiKeyRefusal({ revokedAt: new Date("2026-12-01T00:00:00Z"), expiresAt: now }, now)).toBe(
      "API key was revoked",
    );
  });
});
