import { addMember, ZAddMemberInput } from "@/server/services/team/add-member";
import { listMembers, ZListMembersOutput } from "@/server/services/team/list-members";
import { ZMemberOutput } from "@/server/services/team/member-output";
import { removeMember, ZRemoveMemberInput, ZRemoveMemberOutput } from "@/server/services/team/remove-member";
import { setMemberRole, ZSetMemberRoleInput } from "@/server/services/team/set-member-role";
import { createTRPCRouter, procedureFor, viewerProcedure } from "@/server/trpc/procedures";

export const memberRouter = createTRPCRouter({
  list: viewerProcedure.output(ZListMembersOutput).query(({ ctx }) => listMembers({ teamId: ctx.team.id })),
  add: procedureFor("member.manage")
    .input(ZAddMemberInput)
    .output(ZMemberOutput)
    .mutation(({ ctx, input }) => addMember({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  setRole: procedureFor("member.manage")
    .input(ZSetMemberRoleInput)
    .output(ZMemberOutput)
    .mutation(({ ctx, input }) => setMemberRole({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  remove: procedureFor("member.manage")
    .input(ZRemoveMemberInput)
    .output(ZRemoveMemberOutput)
    .mutation(({ ctx, input }) => removeMember({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
});
