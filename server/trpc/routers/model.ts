import { createModel, ZCreateModelInput, ZCreateModelOutput } from "@/server/services/model/create-model";
import { getModel, ZGetModelInput, ZGetModelOutput } from "@/server/services/model/get-model";
import { listModels, ZListModelsInput, ZListModelsOutput } from "@/server/services/model/list-models";
import { createTRPCRouter, procedureFor, viewerProcedure } from "@/server/trpc/procedures";

export const modelRouter = createTRPCRouter({
  list: viewerProcedure
    .input(ZListModelsInput)
    .output(ZListModelsOutput)
    .query(({ ctx, input }) => listModels({ teamId: ctx.team.id, ...input })),
  create: procedureFor("model.register")
    .input(ZCreateModelInput)
    .output(ZCreateModelOutput)
    .mutation(({ ctx, input }) => createModel({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  byName: viewerProcedure
    .input(ZGetModelInput)
    .output(ZGetModelOutput)
    .query(({ ctx, input }) => getModel({ teamId: ctx.team.id, ...input })),
});
