import {
  getRealizedQuality,
  ZGetRealizedQualityInput,
  ZGetRealizedQualityOutput,
} from "@/server/services/feedback/get-realized-quality";
import {
  recordFeedback,
  ZRecordFeedbackInput,
  ZRecordFeedbackOutput,
} from "@/server/services/feedback/record-feedback";
import { createTRPCRouter, deploymentProcedureFor } from "@/server/trpc/procedures";

export const feedbackRouter = createTRPCRouter({
  /** Ground truth for logged predictions, by request id (the gateway's /feedback route does the same). */
  record: deploymentProcedureFor("feedback.record")
    .input(ZRecordFeedbackInput)
    .output(ZRecordFeedbackOutput)
    .mutation(({ ctx, input }) => recordFeedback({ teamId: ctx.team.id, ...input })),
  quality: deploymentProcedureFor("read")
    .input(ZGetRealizedQualityInput)
    .output(ZGetRealizedQualityOutput)
    .query(({ ctx, input }) => getRealizedQuality({ teamId: ctx.team.id, ...input })),
});
