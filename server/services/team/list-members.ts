import { z } from "zod";
import { getDb } from "@/server/db";
import {
  MEMBERSHIP_WITH_USER_SELECT,
  memberOutput,
  ZMemberOutput,
} from "@/server/services/team/member-output";

export const ZListMembersOutput = z.array(ZMemberOutput);

/** The team's members, longest-standing first. */
export async function listMembers({ teamId }: { teamId: string }) {
  const memberships = await getDb().membership.findMany({
    where: { teamId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: MEMBERSHIP_WITH_USER_SELECT,
  });
  return memberships.map(memberOutput);
}
