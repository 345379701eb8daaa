import { getDb } from "@/server/db";

export interface TeamRef {
  id: string;
  slug: string;
  name: string;
}

/**
 * Until sign-in lands, every request acts in one team, created on first use so a fresh
 * database works without a seed step.
 */
export async function resolveTeam(slug: string): Promise<TeamRef> {
  return getDb().team.upsert({
    where: { slug },
    update: {},
    create: { slug, name: slug === "default" ? "Default team" : slug },
    select: { id: true, slug: true, name: true },
  });
}
