import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  auditedMember,
  MEMBERSHIP_WITH_USER_SELECT,
  memberOutput,
  ZRole,
  type MemberOutput,
} from "@/server/services/team/member-output";
import { isUniqueViolation } from "@/server/services/prisma-errors";

export const ZAddMemberInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("must be an email address")),
  role: ZRole,
});

/**
 * Adds someone to the team by email. They must have signed in once (that is what makes their
 * user): a console does not invent accounts for addresses nobody has proven they own.
 */
export async function addMember({
  teamId,
  actor,
  email,
  role,
}: z.output<typeof ZAddMemberInput> & { teamId: string; actor: string }): Promise<MemberOutput> {
  const db = getDb();
  const user = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (!user)
    throw new AppError(
      "NOT_FOUND",
      `nobody has signed in as ${email} yet: they must sign in to the console once before they can be added`,
    );
  try {
    return await db.$transaction(async (tx) => {
      const membership = await tx.membership.create({
        data: { teamId, userId: user.id, role },
        select: MEMBERSHIP_WITH_USER_SELECT,
      });
      await recordAuditEvent(tx, {
        teamId,
        actor,
        action: "member.add",
        targetType: "member",
        targetId: membership.id,
        before: null,
        after: auditedMember(membership),
      });
      return memberOutput(membership);
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await db.membership.findUnique({
      where: { teamId_userId: { teamId, userId: user.id } },
      select: { role: true },
    });
    throw new AppError(
      "CONFLICT",
      `${email} is already a member of this team, as ${existing?.role ?? "a member"}`,
    );
  }
}
