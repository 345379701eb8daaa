import { z } from "zod";
import { readSignInSettings } from "@/server/auth/sign-in-settings";
import { signedInMembershipOf } from "@/server/services/auth/signed-in-user";
import { ZRole } from "@/server/services/team/member-output";

const ZTeamRole = z.object({ teamSlug: z.string(), teamName: z.string(), role: ZRole });

export const ZSessionOutput = z.object({
  /** Null when signed out. `actor` is how revisions and the audit log name them. */
  user: z.object({ email: z.string(), name: z.string(), actor: z.string() }).nullable(),
  memberships: z.array(ZTeamRole),
  /** The team they act in; null when signed out or a member of no team yet. */
  current: ZTeamRole.nullable(),
});
export type SessionOutput = z.output<typeof ZSessionOutput>;

export const ZSignInMethodsOutput = z.object({
  /** The button's label for single sign-on, or null when OIDC is not configured. */
  oidcDisplayName: z.string().nullable(),
});

/** The signed-in user of a request as the console's pages show it. */
export async function describeSession(headers: Headers | undefined): Promise<SessionOutput> {
  const signedIn = headers ? await signedInMembershipOf(headers) : null;
  if (!signedIn) return { user: null, memberships: [], current: null };
  const teamRole = ({ teamSlug, teamName, role }: z.input<typeof ZTeamRole>) => ({
    teamSlug,
    teamName,
    role,
  });
  return {
    user: { email: signedIn.user.email, name: signedIn.user.name, actor: `user:${signedIn.user.userId}` },
    memberships: signedIn.memberships.map(teamRole),
    current: signedIn.current && teamRole(signedIn.current),
  };
}

export function signInMethods(): z.output<typeof ZSignInMethodsOutput> {
  return { oidcDisplayName: readSignInSettings().oidc?.displayName ?? null };
}
