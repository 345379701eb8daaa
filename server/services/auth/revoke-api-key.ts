import { z } from "zod";
import { apiKeyRevokedChannel, type ApiKeyRevokedMessage } from "@/server/contracts/api-keys";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { API_KEY_OUTPUT_SELECT, apiKeyNotFound, ZApiKeyOutput } from "@/server/services/auth/api-key-output";
import { createAnnouncer } from "@/server/services/pubsub/announce-after-commit";

export const ZRevokeApiKeyInput = z.object({ id: z.string().min(1) });
export const ZRevokeApiKeyOutput = ZApiKeyOutput;

const announce = createAnnouncer({ subject: "API key revocation", component: "api-keys" });

/**
 * Revokes a key of the team for good. The console reads keys on every call, so its next call is
 * refused; gateways, which cache keys, drop it when the revocation is announced.
 */
export async function revokeApiKey({
  teamId,
  actor,
  id,
  now = new Date(),
}: z.output<typeof ZRevokeApiKeyInput> & { teamId: string; actor: string; now?: Date }) {
  const revoked = await getDb().$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ revokedAt: Date | null }[]>`
      SELECT "revokedAt" FROM "ApiKey" WHERE id = ${id} AND "teamId" = ${teamId} FOR UPDATE`;
    if (!locked) throw new AppError("NOT_FOUND", apiKeyNotFound(id));
    if (locked.revokedAt)
      throw new AppError(
        "CONFLICT",
        `API key '${id}' was already revoked on ${locked.revokedAt.toISOString()}`,
      );
    const key = await tx.apiKey.update({
      where: { id },
      data: { revokedAt: now },
      select: API_KEY_OUTPUT_SELECT,
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "apiKey.revoke",
      targetType: "apiKey",
      targetId: id,
      before: { name: key.name, prefix: key.prefix, revokedAt: null },
      after: { name: key.name, prefix: key.prefix, revokedAt: now },
    });
    return key;
  });
  const message: ApiKeyRevokedMessage = { apiKeyId: id, teamId };
  await announce({
    channel: apiKeyRevokedChannel(readEnv().REDIS_KEY_PREFIX),
    key: id,
    message,
    logFields: { apiKeyId: id },
  });
  return revoked;
}
