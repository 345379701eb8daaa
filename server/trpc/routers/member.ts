import { addMember, ZAddMemberInput } from "@/server/services/team/add-member";
import { listMembers, ZListMembersOutput } from "@/server/services/team/list-members";
import { ZMemberOutput } from "@/server/services/team/member-output";
import { removeMember, ZRemoveMemberInput, ZRemoveMemberOutput } from "@/server/services/team/remove-member";
import { setMemberRole, ZSetMemberRoleInput } from "@/server/services/team/set-member-role";
import { createTRPCRouter, teamProcedure } from "@/server/trpc/procedures";

// Roles: list is for any member (viewer); add, setRole and remove are the admins' (member.manage).
export const memberRouter = createTRPCRouter({
  list: teamProcedure.output(ZListMembersOutput).query(({ ctx }) => listMembers({ teamId: ctx.team.id })),
  add: teamProcedure
    .input(ZAddMemberInput)
    .output(ZMemberOutput)
    .mutation(({ ctx, input }) => addMember({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  setRole: teamProcedure
    .input(ZSetMemberRoleInput)
    .output(ZMemberOutput)
    .mutation(({ ctx, input }) => setMemberRole({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  remove: teamProcedure
    .input(ZRemoveMemberInput)
    .output(ZRemoveMemberOutput)
    .mutation(({ ctx, input }) => removeMember({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
});
