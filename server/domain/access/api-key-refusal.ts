/**
 * Why a stored API key no longer authenticates, as the sentence its caller gets (401), or null
 * while it does. Checked on every use, also of a key a gateway cached, so expiry needs no event.
 */
export function apiKeyRefusal(
  key: { revokedAt: Date | null; expiresAt: Date | null },
  now: Date,
): string | null {
  if (key.revokedAt !== null) return "API key was revoked";
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime())
    return `API key expired on ${key.expiresAt.toISOString()}`;
  return null;
}
