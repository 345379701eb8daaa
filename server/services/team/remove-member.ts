import { z } from "zod";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findMemberOrThrow, lockTeamMembers, refuseLastAdmin } from "@/server/services/team/find-member";
import { auditedMember } from "@/server/services/team/member-output";

export const ZRemoveMemberInput = z.object({ email: z.string().trim().toLowerCase().min(1) });
export const ZRemoveMemberOutput = z.object({ removed: z.literal(true) });

/**
 * Takes someone out of the team: their next request no longer acts in it. Their user stays (they
 * may belong to other teams, and the audit log names them); the last admin stays too.
 */
export async function removeMember({
  teamId,
  actor,
  email,
}: z.output<typeof ZRemoveMemberInput> & { teamId: string; actor: string }) {
  return getDb().$transaction(async (tx) => {
    await lockTeamMembers(tx, teamId);
    const membership = await findMemberOrThrow(tx, teamId, email);
    await refuseLastAdmin(tx, membership, "removed");
    await tx.membership.delete({ where: { id: membership.id } });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "member.remove",
      targetType: "member",
      targetId: membership.id,
      before: auditedMember(membership),
      after: null,
    });
    return { removed: true as const };
  });
}
