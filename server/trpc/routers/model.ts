import { z } from "zod";
import { createModel, ZCreateModelInput } from "@/server/services/model/create-model";
import { getModel } from "@/server/services/model/get-model";
import { listModels } from "@/server/services/model/list-models";
import { createTRPCRouter, teamProcedure } from "@/server/trpc/procedures";

export const modelRouter = createTRPCRouter({
  list: teamProcedure
    .input(z.object({ query: z.string().max(200).default("") }).default({ query: "" }))
    .query(({ ctx, input }) => listModels(ctx.team.id, input.query)),
  create: teamProcedure
    .input(ZCreateModelInput)
    .mutation(({ ctx, input }) => createModel(ctx.team.id, input)),
  byName: teamProcedure
    .input(z.object({ name: z.string().min(1) }))
    .query(({ ctx, input }) => getModel(ctx.team.id, input.name)),
});
