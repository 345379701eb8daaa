import {
  getEvaluation,
  ZGetEvaluationInput,
  ZGetEvaluationOutput,
} from "@/server/services/evaluation/get-evaluation";
import {
  listEvaluations,
  ZListEvaluationsInput,
  ZListEvaluationsOutput,
} from "@/server/services/evaluation/list-evaluations";
import {
  startEvaluation,
  ZStartEvaluationInput,
  ZStartEvaluationOutput,
} from "@/server/services/evaluation/start-evaluation";
import { createTRPCRouter, procedureFor, viewerProcedure } from "@/server/trpc/procedures";

export const evaluationRouter = createTRPCRouter({
  /** Queues a run of a version on a golden set; poll `get` for its metrics. */
  start: procedureFor("evaluation.start")
    .input(ZStartEvaluationInput)
    .output(ZStartEvaluationOutput)
    .mutation(({ ctx, input }) => startEvaluation({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  list: viewerProcedure
    .input(ZListEvaluationsInput)
    .output(ZListEvaluationsOutput)
    .query(({ ctx, input }) => listEvaluations({ teamId: ctx.team.id, ...input })),
  get: viewerProcedure
    .input(ZGetEvaluationInput)
    .output(ZGetEvaluationOutput)
    .query(({ ctx, input }) => getEvaluation({ teamId: ctx.team.id, ...input })),
});
