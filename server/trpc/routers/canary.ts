import { z } from "zod";
import {
  listCanaryAnalyses,
  ZListCanaryAnalysesInput,
  ZListCanaryAnalysesOutput,
} from "@/server/services/canary/list-canary-analyses";
import {
  startCanaryAnalysis,
  ZStartCanaryAnalysisInput,
} from "@/server/services/canary/start-canary-analysis";
import { stopCanaryAnalysis, ZStopCanaryAnalysisInput } from "@/server/services/canary/stop-canary-analysis";
import { createTRPCRouter, deploymentProcedureFor } from "@/server/trpc/procedures";

// An analysis may end by promoting to production on its own: starting one is an admin's decision.
export const canaryRouter = createTRPCRouter({
  list: deploymentProcedureFor("read")
    .input(ZListCanaryAnalysesInput)
    .output(ZListCanaryAnalysesOutput)
    .query(({ ctx, input }) => listCanaryAnalyses({ teamId: ctx.team.id, ...input })),
  start: deploymentProcedureFor("deployment.promote")
    .input(ZStartCanaryAnalysisInput)
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => startCanaryAnalysis({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  stop: deploymentProcedureFor("deployment.canary")
    .input(ZStopCanaryAnalysisInput)
    .output(z.object({ stopped: z.boolean() }))
    .mutation(({ ctx, input }) => stopCanaryAnalysis({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
});
