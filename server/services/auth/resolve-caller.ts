import type { Caller } from "@/server/domain/access/caller";
import { AppError } from "@/server/domain/app-error";
import { readEnv } from "@/server/env";
import { authenticateApiKey } from "@/server/services/auth/authenticate-api-key";
import { resolveSessionCaller } from "@/server/services/auth/resolve-session-caller";
import { resolveTeam } from "@/server/services/team/resolve-team";

/** The token of an `Authorization: Bearer <token>` header, or null without one; any other scheme is refused. */
export function bearerTokenOf(header: string | null | undefined): string | null {
  const authorization = header?.trim();
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) throw new AppError("UNAUTHORIZED", "the authorization header must be 'Bearer <API key>'");
  return match[1]!;
}

/**
 * Who makes a console request (tRPC, downloads): an API key if it sends one, else its sign-in
 * session, else, where CONSOLE_REQUIRE_AUTH is false, "local": an admin of DEFAULT_TEAM_SLUG or of
 * the team its `x-team` header names, as before access control existed. A key decides its team;
 * `x-team` is not read then.
 */
export async function resolveCaller(headers: Headers): Promise<Caller> {
  const token = bearerTokenOf(headers.get("authorization"));
  if (token !== null) return authenticateApiKey(token);
  const session = await resolveSessionCaller(headers);
  if (session) return session;
  const env = readEnv();
  if (env.CONSOLE_REQUIRE_AUTH)
    throw new AppError("UNAUTHORIZED", "sign in, or send an API key as 'Authorization: Bearer mlk_…'");
  const team = await resolveTeam(headers.get("x-team")?.trim() || env.DEFAULT_TEAM_SLUG);
  return localCaller(team);
}

/**
 * Whether the request carries no credential at all while CONSOLE_REQUIRE_AUTH is false: it is the
 * local caller, who may act in any team, so a route that holds it to no team (artifact downloads
 * for serving hosts) needs no lookup, and keeps answering while Postgres is down.
 */
export function isKeylessLocalRequest(headers: Headers): boolean {
  return !headers.get("authorization") && !headers.get("cookie") && !readEnv().CONSOLE_REQUIRE_AUTH;
}

export function localCaller(team: { id: string; slug: string }): Caller {
  return { teamId: team.id, teamSlug: team.slug, role: "admin", actor: "local" };
}

/** Whether the caller is the unauthenticated local one, who may name any team with `x-team` anyway. */
export const isLocalCaller = (caller: Caller) => caller.actor === "local";
