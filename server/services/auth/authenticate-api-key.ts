import { apiKeyRefusal } from "@/server/domain/access/api-key-refusal";
import type { Caller } from "@/server/domain/access/caller";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { apiKeyIdOf, matchesApiKeyHash } from "@/server/services/auth/api-key-secret";
import { noteApiKeyUse } from "@/server/services/auth/note-api-key-use";
import { isDatabaseUnavailable } from "@/server/services/prisma-errors";

/** What authenticating a key needs of its row; the console reads it per call, gateways cache it. */
export interface StoredApiKey {
  id: string;
  teamId: string;
  teamSlug: string;
  role: Caller["role"];
  keyHash: string;
  deploymentNames: string[];
  requestsPerMinute: number | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** The key's row, or null when there is none; UNAVAILABLE while Postgres is down. */
export async function loadApiKey(id: string): Promise<StoredApiKey | null> {
  let row;
  try {
    row = await readApiKeyRow(id);
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    throw new AppError(
      "UNAVAILABLE",
      "API keys cannot be checked: the registry database is unavailable; retry later",
      { retryAfterSeconds: 1, cause: error },
    );
  }
  if (!row) return null;
  const { team, ...key } = row;
  return { ...key, teamSlug: team.slug };
}

function readApiKeyRow(id: string) {
  return getDb().apiKey.findUnique({
    where: { id },
    select: {
      id: true,
      teamId: true,
      role: true,
      keyHash: true,
      deploymentNames: true,
      requestsPerMinute: true,
      expiresAt: true,
      revokedAt: true,
      team: { select: { slug: true } },
    },
  });
}

/**
 * The caller a presented key stands for, or UNAUTHORIZED with why not. Whether a key was revoked
 * or expired is told only to whoever holds the whole key; any other mismatch reads the same.
 */
export function callerOfApiKey(presented: string, stored: StoredApiKey | null, now = new Date()): Caller {
  if (!stored || !matchesApiKeyHash(presented, stored.keyHash))
    throw new AppError("UNAUTHORIZED", "API key is not valid");
  const refusal = apiKeyRefusal(stored, now);
  if (refusal !== null) throw new AppError("UNAUTHORIZED", refusal);
  return {
    teamId: stored.teamId,
    teamSlug: stored.teamSlug,
    role: stored.role,
    actor: `apikey:${stored.id}`,
    apiKeyId: stored.id,
    deploymentNames: stored.deploymentNames,
  };
}

/** The id a bearer token names, or UNAUTHORIZED when it is not shaped like one of our keys. */
export function apiKeyIdOrThrow(presented: string): string {
  const id = apiKeyIdOf(presented);
  if (id === null)
    throw new AppError("UNAUTHORIZED", "the bearer token is not an API key of this console (mlk_…)");
  return id;
}

/** For the console: read on every call, so a revocation takes effect at the next one. */
export async function authenticateApiKey(presented: string): Promise<Caller> {
  const caller = callerOfApiKey(presented, await loadApiKey(apiKeyIdOrThrow(presented)));
  noteApiKeyUse(caller.apiKeyId!);
  return caller;
}
