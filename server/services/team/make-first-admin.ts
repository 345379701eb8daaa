import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { lockTeamMembers } from "@/server/services/team/find-member";

/**
 * Bootstrap: the first person to sign in to a fresh console becomes the default team's admin,
 * so somebody can add the others. Under the team's lock, so of two people signing up at once only
 * one becomes admin; everyone after them waits to be added by an admin. Returns whether `user`
 * was made admin.
 */
export async function makeFirstAdmin({
  user,
  teamSlug = readEnv().DEFAULT_TEAM_SLUG,
}: {
  user: { id: string; email: string };
  teamSlug?: string;
}): Promise<boolean> {
  return getDb().$transaction(async (tx) => {
    const team = await tx.team.findUnique({ where: { slug: teamSlug }, select: { id: true } });
    if (!team) return false;
    await lockTeamMembers(tx, team.id);
    if ((await tx.membership.count({ where: { teamId: team.id } })) > 0) return false;
    const membership = await tx.membership.create({
      data: { teamId: team.id, userId: user.id, role: "admin" },
      select: { id: true },
    });
    await recordAuditEvent(tx, {
      teamId: team.id,
      actor: `user:${user.id}`,
      action: "member.bootstrap",
      targetType: "member",
      targetId: membership.id,
      before: null,
      after: { email: user.email, role: "admin" },
    });
    return true;
  });
}
