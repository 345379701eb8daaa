import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => vi.unstubAllEnvs());

/** The secret module as a process with this WEBHOOK_SECRET_KEY (or none) loads it. */
async function withKey(key: string | undefined) {
  vi.stubEnv("WEBHOOK_SECRET_KEY", key);
  vi.resetModules();
  return import("@/server/services/webhook/webhook-secret");
}

describe("webhook secrets at rest", () => {
  it("decrypt to what was encrypted, with a fresh IV each time", async () => {
    const { encryptWebhookSecret, decryptWebhookSecret } = await withKey(randomBytes(32).toString("base64"));
    const secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0ISE=";
    const stored = encryptWebhookSecret(secret);
    expect(stored).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stored).not.toContain("c2VjcmV0");
    expect(encryptWebhookSecret(secret)).not.toBe(stored);
    expect(decryptWebhookSecret(stored)).toBe(secret);
  });

  it("refuse, with a sentence, a tampered value, another key, and no key", async () => {
    const key = randomBytes(32).toString("hex");
    const { encryptWebhookSecret, decryptWebhookSecret } = await withKey(key);
    const stored = encryptWebhookSecret("whsec_abc");
    const [version, iv, tag, ciphertext] = stored.split(".");
    const flipped = `${ciphertext!.slice(0, -2)}${ciphertext!.endsWith("AA") ? "BB" : "AA"}`;
    expect(() => decryptWebhookSecret([version, iv, tag, flipped].join("."))).toThrow(/does not decrypt/);
    expect(() => decryptWebhookSecret("plain")).toThrow("the webhook's stored secret is not in a format");

    const other = await withKey(randomBytes(32).toString("hex"));
    expect(() => other.decryptWebhookSecret(stored)).toThrow(
      "the webhook's signing secret does not decrypt with this worker's WEBHOOK_SECRET_KEY (was the key changed?); create the webhook again",
    );
    const none = await withKey(undefined);
    expect(() => none.decryptWebhookSecret(stored)).toThrow("this worker has no WEBHOOK_SECRET_KEY");
    expect(() => none.encryptWebhookSecret("whsec_abc")).toThrow(/set WEBHOOK_SECRET_KEY/);
  });
});
