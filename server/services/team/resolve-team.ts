import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";

export interface TeamRef {
  id: string;
  slug: string;
  name: string;
}

export const TEAM_REF_SELECT = { id: true, slug: true, name: true } as const;

/**
 * The team a request acts in, read and never created: a header naming an unknown team must not
 * make one (the migrate step creates the default team, sign-up will create the others).
 * Called with the slug alone because the gateway resolves its team this way at start.
 */
export async function resolveTeam(slug: string): Promise<TeamRef> {
  const team = await getDb().team.findUnique({ where: { slug }, select: TEAM_REF_SELECT });
  if (!team) throw new AppError("NOT_FOUND", `team '${slug}' does not exist`);
  return team;
}
