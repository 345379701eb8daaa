import { getDb, type Db } from "@/server/db";
import { readEnv } from "@/server/env";
import { TEAM_REF_SELECT, type TeamRef } from "@/server/services/team/resolve-team";

/**
 * Creates the team every request acts in until sign-in lands (DEFAULT_TEAM_SLUG), when it is
 * missing. Run by whatever migrates a database, right after the migrations, so that requests only
 * ever read teams. Idempotent.
 */
export async function ensureDefaultTeam({
  db = getDb(),
  slug = readEnv().DEFAULT_TEAM_SLUG,
}: { db?: Db; slug?: string } = {}): Promise<TeamRef> {
  return db.team.upsert({
    where: { slug },
    update: {},
    create: { slug, name: slug === "default" ? "Default team" : slug },
    select: TEAM_REF_SELECT,
  });
}
