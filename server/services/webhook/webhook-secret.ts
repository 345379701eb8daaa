import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { AppError } from "@/server/domain/app-error";
import { readEnv } from "@/server/env";

/**
 * Webhook signing secrets must be readable to sign, so unlike API keys they cannot be hashed:
 * they are stored encrypted with AES-256-GCM under WEBHOOK_SECRET_KEY, as
 * "v1.<iv>.<tag>.<ciphertext>" (base64url), each with a fresh 12-byte IV. A database dump
 * alone does not reveal them; GCM's tag makes a tampered or wrongly keyed value fail to decrypt
 * instead of signing with garbage.
 */
const FORMAT_VERSION = "v1";
const IV_BYTES = 12;

function keyBytes(raw: string): Buffer {
  return /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
}

/** The key, or a refusal naming the variable: without it no webhook can be made. */
function requireKey(): Buffer {
  const raw = readEnv().WEBHOOK_SECRET_KEY;
  if (!raw)
    throw new AppError(
      "UNAVAILABLE",
      "webhooks are not configured on this console: set WEBHOOK_SECRET_KEY (32 bytes, e.g. from `openssl rand -base64 32`) for the console and its webhook workers",
    );
  return keyBytes(raw);
}

export function encryptWebhookSecret(secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", requireKey(), iv);
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [FORMAT_VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/** Why a stored secret could not be read, as the deliveries table shows it. */
export class WebhookSecretUnreadableError extends Error {
  override name = "WebhookSecretUnreadableError";
}

/** For the delivery worker; throws WebhookSecretUnreadableError naming the likely cause. */
export function decryptWebhookSecret(stored: string): string {
  const raw = readEnv().WEBHOOK_SECRET_KEY;
  if (!raw)
    throw new WebhookSecretUnreadableError(
      "this worker has no WEBHOOK_SECRET_KEY, so it cannot read the webhook's signing secret",
    );
  const [version, iv, tag, ciphertext] = stored.split(".");
  if (version !== FORMAT_VERSION || !iv || !tag || ciphertext === undefined)
    throw new WebhookSecretUnreadableError(
      "the webhook's stored secret is not in a format this worker reads",
    );
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyBytes(raw), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new WebhookSecretUnreadableError(
      "the webhook's signing secret does not decrypt with this worker's WEBHOOK_SECRET_KEY (was the key changed?); create the webhook again",
    );
  }
}
