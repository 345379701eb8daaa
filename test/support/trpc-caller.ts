import type { Caller } from "@/server/domain/access/caller";
import { getDb } from "@/server/db";
import { resolveTeam } from "@/server/services/team/resolve-team";
import { createCaller } from "@/server/trpc/root";

/**
 * Calls procedures as the API does (middlewares included), acting in the given team as `actor`:
 * an admin unless `as` says otherwise (a role, or an API key's id and deployments).
 */
export function callerFor(
  teamSlug = "default",
  actor = "test",
  as: Partial<Pick<Caller, "role" | "apiKeyId" | "deploymentNames">> = {},
) {
  return createCaller({
    requestId: "test",
    resolveCaller: async () => {
      const team = await resolveTeam(teamSlug);
      return { teamId: team.id, teamSlug: team.slug, role: "admin", actor, ...as };
    },
  });
}

/**
 * A second team, for tests of team scoping. Requests never create teams (the migrate step makes
 * the default one), so a test makes its own straight in the database.
 */
export async function createTeam(slug: string): Promise<void> {
  await getDb().team.create({ data: { slug, name: slug } });
}

export function uploadForm(parts: Record<string, string | Uint8Array>): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(parts)) {
    if (typeof value === "string") form.set(key, value);
    else form.set(key, new Blob([value as Uint8Array<ArrayBuffer>]), `${key}.bin`);
  }
  return form;
}
