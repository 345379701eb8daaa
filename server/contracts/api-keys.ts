import { z } from "zod";

/**
 * API key revocations. Producer: the console (server/services/auth/revoke-api-key.ts), after the
 * revocation committed. Consumer: every gateway (server/gateway/api-key-cache.ts drops the key at
 * once instead of at the end of its cache TTL). As for deployment changes (channels.ts), the key
 * prefix is added here because ioredis does not add it to channels.
 */
export function apiKeyRevokedChannel(keyPrefix: string): string {
  return `${keyPrefix}api-key-revoked`;
}

export const ZApiKeyRevokedMessage = z.object({ apiKeyId: z.string().min(1), teamId: z.string().min(1) });
export type ApiKeyRevokedMessage = z.infer<typeof ZApiKeyRevokedMessage>;

/**
 * A key's gateway requests in one wall-clock minute, shared by every gateway (REDIS_KEY_PREFIX
 * added by the connection). Producer and consumer: the gateway (server/gateway/api-key-auth.ts).
 */
export function apiKeyMinuteKey(apiKeyId: string, minute: number): string {
  return `api-key-rate:${apiKeyId}:${minute}`;
}
