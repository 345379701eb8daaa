import type { Caller } from "@/server/domain/access/caller";

/**
 * The seam for sign-in: the caller a request's session cookie stands for (the user's membership
 * in the team they act in, actor "user:<id>"), or null when it carries no session. Sign-in is not
 * built yet (better-auth, with its Prisma adapter and organization plugin, lands next); until then
 * no request has a session, and resolve-caller.ts falls through to API keys and the local caller.
 */
export async function resolveSessionCaller(_headers: Headers): Promise<Caller | null> {
  return null;
}
