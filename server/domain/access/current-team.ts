/** The team cookie: which of their teams a signed-in user last chose to act in. */
export const TEAM_COOKIE = "mlops-team";

/**
 * The membership a signed-in user acts in: the team their cookie names when they are a member of
 * it, else their first (oldest) membership; null with none. A cookie naming another team is
 * ignored, never obeyed: it chooses among the user's own teams, it grants nothing.
 */
export function chooseMembership<Membership extends { teamSlug: string }>(
  memberships: readonly Membership[],
  chosenSlug: string | null | undefined,
): Membership | null {
  return memberships.find((membership) => membership.teamSlug === chosenSlug) ?? memberships[0] ?? null;
}

/** The value of cookie `name` in a `Cookie` header, or null. */
export function cookieValue(cookieHeader: string | null, name: string): string | null {
  for (const pair of cookieHeader?.split(";") ?? []) {
    const separator = pair.indexOf("=");
    if (separator < 0 || pair.slice(0, separator).trim() !== name) continue;
    const raw = pair.slice(separator + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}
