import { z } from "zod";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findMemberOrThrow, lockTeamMembers, refuseLastAdmin } from "@/server/services/team/find-member";
import {
  auditedMember,
  MEMBERSHIP_WITH_USER_SELECT,
  memberOutput,
  ZRole,
  type MemberOutput,
} from "@/server/services/team/member-output";

export const ZSetMemberRoleInput = z.object({
  email: z.string().trim().toLowerCase().min(1),
  role: ZRole,
});

/** Gives a member another role; the last admin keeps theirs. */
export async function setMemberRole({
  teamId,
  actor,
  email,
  role,
}: z.output<typeof ZSetMemberRoleInput> & { teamId: string; actor: string }): Promise<MemberOutput> {
  return getDb().$transaction(async (tx) => {
    await lockTeamMembers(tx, teamId);
    const membership = await findMemberOrThrow(tx, teamId, email);
    if (membership.role === role) return memberOutput(membership);
    if (role !== "admin") await refuseLastAdmin(tx, membership, `made ${role}`);
    const updated = await tx.membership.update({
      where: { id: membership.id },
      data: { role },
      select: MEMBERSHIP_WITH_USER_SELECT,
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "member.setRole",
      targetType: "member",
      targetId: membership.id,
      before: auditedMember(membership),
      after: auditedMember(updated),
    });
    return memberOutput(updated);
  });
}
