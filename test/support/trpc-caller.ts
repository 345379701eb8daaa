import { getDb } from "@/server/db";
import { createCaller } from "@/server/trpc/root";

/** Calls procedures as the API does (middlewares included), acting in the given team. */
export function callerFor(teamSlug = "default", actor = "test") {
  return createCaller({ teamSlug, actor, requestId: "test" });
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
