import type { Caller } from "@/server/domain/access/caller";
import { AppError } from "@/server/domain/app-error";

/**
 * The caller a request's sign-in session stands for: the user's membership in the team they act
 * in (the `mlops-team` cookie's, else their first), actor "user:<id>"; null without a session.
 * better-auth loads only for requests that carry a cookie, so the gateway, which imports the
 * caller resolution for its types, never loads it.
 */
export async function resolveSessionCaller(headers: Headers): Promise<Caller | null> {
  if (!headers.get("cookie")) return null;
  const { signedInMembershipOf } = await import("@/server/services/auth/signed-in-user");
  const session = await signedInMembershipOf(headers);
  if (!session) return null;
  if (!session.current)
    throw new AppError(
      "FORBIDDEN",
      `${session.user.email} is signed in but not a member of any team: ask a team's admin to add you`,
    );
  return {
    teamId: session.current.teamId,
    teamSlug: session.current.teamSlug,
    role: session.current.role,
    actor: `user:${session.user.userId}`,
  };
}
