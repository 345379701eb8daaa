import type { Prisma } from "@/generated/prisma/client";
import { AppError } from "@/server/domain/app-error";
import { MEMBERSHIP_WITH_USER_SELECT } from "@/server/services/team/member-output";

/**
 * Holds the team's row until the transaction ends, so changes to its members are made one at a
 * time: two admins demoting each other at once must not leave the team with none.
 */
export async function lockTeamMembers(tx: Prisma.TransactionClient, teamId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId} FOR UPDATE`;
}

/** The team's member with this email; NOT_FOUND for anyone else, members of other teams included. */
export async function findMemberOrThrow(tx: Prisma.TransactionClient, teamId: string, email: string) {
  const membership = await tx.membership.findFirst({
    where: { teamId, user: { email } },
    select: MEMBERSHIP_WITH_USER_SELECT,
  });
  if (!membership) throw new AppError("NOT_FOUND", `${email} is not a member of this team`);
  return membership;
}

/** Throws CONFLICT when `membership` is the team's only admin: somebody must manage its members. */
export async function refuseLastAdmin(
  tx: Prisma.TransactionClient,
  membership: { teamId: string; role: string; user: { email: string } },
  change: string,
): Promise<void> {
  if (membership.role !== "admin") return;
  const admins = await tx.membership.count({ where: { teamId: membership.teamId, role: "admin" } });
  if (admins <= 1)
    throw new AppError(
      "CONFLICT",
      `${membership.user.email} is the team's last admin and cannot be ${change}: make another member admin first`,
    );
}
