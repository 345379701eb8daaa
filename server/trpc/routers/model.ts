import { createModel, ZCreateModelInput } from "@/server/services/model/create-model";
import { getModel, ZGetModelInput } from "@/server/services/model/get-model";
import { listModels, ZListModelsInput } from "@/server/services/model/list-models";
import { createTRPCRouter, teamProcedure } from "@/server/trpc/procedures";

export const modelRouter = createTRPCRouter({
  list: teamProcedure
    .input(ZListModelsInput)
    .query(({ ctx, input }) => listModels({ teamId: ctx.team.id, ...input })),
  create: teamProcedure
    .input(ZCreateModelInput)
    .mutation(({ ctx, input }) => createModel({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  byName: teamProcedure
    .input(ZGetModelInput)
    .query(({ ctx, input }) => getModel({ teamId: ctx.team.id, ...input })),
});
