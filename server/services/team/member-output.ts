import { z } from "zod";
import { ROLES } from "@/server/domain/access/roles";
import type { Prisma } from "@/generated/prisma/client";

/** The roles a membership may hold, weakest first (prisma/schema.prisma's Role). */
export const ZRole = z.enum(ROLES);

/** A member as the API shows them: named by their email, which is what people know each other by. */
export const ZMemberOutput = z.object({
  email: z.string(),
  name: z.string(),
  role: ZRole,
  joinedAt: z.date(),
});
export type MemberOutput = z.output<typeof ZMemberOutput>;

export const MEMBERSHIP_WITH_USER_SELECT = {
  id: true,
  teamId: true,
  userId: true,
  role: true,
  createdAt: true,
  user: { select: { email: true, name: true } },
} as const satisfies Prisma.MembershipSelect;

type MembershipWithUser = Prisma.MembershipGetPayload<{ select: typeof MEMBERSHIP_WITH_USER_SELECT }>;

export function memberOutput(membership: MembershipWithUser): MemberOutput {
  return {
    email: membership.user.email,
    name: membership.user.name,
    role: membership.role,
    joinedAt: membership.createdAt,
  };
}

/** What the audit log keeps of a membership: who and with which role (ids are the server's own). */
export const auditedMember = (membership: { role: string; user: { email: string } }) => ({
  email: membership.user.email,
  role: membership.role,
});
