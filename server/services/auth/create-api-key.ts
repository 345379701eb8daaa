import { z } from "zod";
import { roleAtLeast, ROLES, type Role } from "@/server/domain/access/roles";
import { AppError } from "@/server/domain/app-error";
import { ZResourceName } from "@/server/domain/resource-name";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { generateApiKey } from "@/server/services/auth/api-key-secret";
import { API_KEY_OUTPUT_SELECT, ZApiKeyOutput } from "@/server/services/auth/api-key-output";
import { isUniqueViolation } from "@/server/services/prisma-errors";

export const ZCreateApiKeyInput = z.object({
  name: z.string().trim().min(1, "name is required").max(100, "name must be at most 100 characters"),
  role: z.enum(ROLES),
  /** Unset, the key never expires. */
  expiresAt: z.date().optional(),
  /** The deployments the key may reach; empty, all of the team's. */
  deploymentNames: z.array(ZResourceName).max(100).default([]),
  /** Gateway requests a minute; unset, no limit of the key's own. */
  requestsPerMinute: z.number().int().positive().max(1_000_000).optional(),
});

export type CreateApiKeyOptions = z.output<typeof ZCreateApiKeyInput> & {
  teamId: string;
  actor: string;
  /** The creator's role and key scope: a key never grants more than whoever made it holds. */
  creatorRole: Role;
  creatorDeploymentNames?: string[];
  now?: Date;
};

/** The stored key, and the key itself: in this answer only, never again. */
export const ZCreateApiKeyOutput = ZApiKeyOutput.extend({ key: z.string() });

const ID_ATTEMPTS = 3;

export async function createApiKey(
  options: CreateApiKeyOptions,
): Promise<z.output<typeof ZCreateApiKeyOutput>> {
  const { teamId, actor, creatorRole, name, role, expiresAt, requestsPerMinute, now = new Date() } = options;
  const deploymentNames = [...new Set(options.deploymentNames)].sort();
  if (!roleAtLeast(creatorRole, role))
    throw new AppError(
      "FORBIDDEN",
      `a key cannot have a role above its creator's: the key would be ${role}, its creator is ${creatorRole}`,
    );
  if (expiresAt && expiresAt.getTime() <= now.getTime())
    throw new AppError(
      "BAD_REQUEST",
      `expiresAt ${expiresAt.toISOString()} is in the past; give a later time or none`,
    );
  const scopeProblem = widerScopeProblem(options.creatorDeploymentNames ?? [], deploymentNames);
  if (scopeProblem) throw new AppError("FORBIDDEN", scopeProblem);
  for (let attempt = 1; ; attempt++) {
    const secret = generateApiKey();
    try {
      return await getDb().$transaction(async (tx) => {
        const existing = await tx.deployment.findMany({
          where: { teamId, name: { in: deploymentNames } },
          select: { name: true },
        });
        const unknown = deploymentNames.filter((wanted) => !existing.some((found) => found.name === wanted));
        if (unknown.length > 0)
          throw new AppError(
            "BAD_REQUEST",
            `no deployment named ${unknown.map((n) => `'${n}'`).join(", ")} in this team`,
          );
        const created = await tx.apiKey.create({
          data: {
            id: secret.id,
            teamId,
            name,
            prefix: secret.prefix,
            keyHash: secret.keyHash,
            role,
            expiresAt: expiresAt ?? null,
            deploymentNames,
            requestsPerMinute: requestsPerMinute ?? null,
            createdBy: actor,
          },
          select: API_KEY_OUTPUT_SELECT,
        });
        const {
          id,
          lastUsedAt: _lastUsedAt,
          revokedAt: _revokedAt,
          createdAt: _createdAt,
          ...recorded
        } = created;
        await recordAuditEvent(tx, {
          teamId,
          actor,
          action: "apiKey.create",
          targetType: "apiKey",
          targetId: id,
          before: null,
          after: recorded,
        });
        return { ...created, key: secret.key };
      });
    } catch (error) {
      // Two keys drew the same 8-character id (one chance in 10^14 per pair): draw again.
      if (isUniqueViolation(error) && attempt < ID_ATTEMPTS) continue;
      throw error;
    }
  }
}

/** A key made by a scoped key stays within that key's deployments. */
function widerScopeProblem(creatorScope: string[], scope: string[]): string | null {
  if (creatorScope.length === 0) return null;
  if (scope.length > 0 && scope.every((name) => creatorScope.includes(name))) return null;
  const listed = creatorScope.map((name) => `'${name}'`).join(", ");
  return `a key cannot reach more than its creator, which reaches only ${listed}`;
}
