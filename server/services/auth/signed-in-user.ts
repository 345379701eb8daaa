import { getAuth } from "@/server/auth/auth";
import { getDb } from "@/server/db";
import { chooseMembership, cookieValue, TEAM_COOKIE } from "@/server/domain/access/current-team";

export interface SignedInUser {
  userId: string;
  email: string;
  name: string;
}

export interface UserMembership {
  teamId: string;
  teamSlug: string;
  teamName: string;
  role: "viewer" | "editor" | "admin";
}

/**
 * The user whose live session cookie the request carries, or null: no cookie, a cookie that is
 * not a session (forged, expired, signed out), or a session whose user is gone.
 */
export async function signedInUserOf(headers: Headers): Promise<SignedInUser | null> {
  // Most machine requests carry no cookie at all: they cost no database read here.
  if (!headers.get("cookie")) return null;
  const session = await getAuth().api.getSession({ headers });
  if (!session) return null;
  return { userId: session.user.id, email: session.user.email, name: session.user.name };
}

/** The user's teams and roles, oldest membership first. */
export async function membershipsOf(userId: string): Promise<UserMembership[]> {
  const memberships = await getDb().membership.findMany({
    where: { userId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { role: true, team: { select: { id: true, slug: true, name: true } } },
  });
  return memberships.map(({ role, team }) => ({
    teamId: team.id,
    teamSlug: team.slug,
    teamName: team.name,
    role,
  }));
}

/**
 * Who is signed in, their teams, and the one they act in (the mlops-team cookie's, when they are
 * a member of it, else their first); null when nobody is.
 */
export async function signedInMembershipOf(headers: Headers) {
  const user = await signedInUserOf(headers);
  if (!user) return null;
  const memberships = await membershipsOf(user.userId);
  const current = chooseMembership(memberships, cookieValue(headers.get("cookie"), TEAM_COOKIE));
  return { user, memberships, current };
}
