import { z } from "zod";
import { ROLES } from "@/server/domain/access/roles";

/** A key as lists show it: everything but its hash (the key itself is never stored). */
export const ZApiKeyOutput = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: z.enum(ROLES),
  deploymentNames: z.array(z.string()),
  requestsPerMinute: z.number().int().nullable(),
  expiresAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  createdAt: z.date(),
  createdBy: z.string(),
});
export type ApiKeyOutput = z.infer<typeof ZApiKeyOutput>;

export const API_KEY_OUTPUT_SELECT = {
  id: true,
  name: true,
  prefix: true,
  role: true,
  deploymentNames: true,
  requestsPerMinute: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdAt: true,
  createdBy: true,
} as const;

export function apiKeyNotFound(id: string) {
  return `API key '${id}' does not exist`;
}
