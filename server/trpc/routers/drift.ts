import {
  listDriftReports,
  ZListDriftReportsInput,
  ZListDriftReportsOutput,
} from "@/server/services/drift/list-drift-reports";
import {
  setDriftSettings,
  ZSetDriftSettingsInput,
  ZSetDriftSettingsOutput,
} from "@/server/services/drift/set-drift-settings";
import {
  setOutputReference,
  ZSetOutputReferenceInput,
  ZSetOutputReferenceOutput,
} from "@/server/services/drift/set-output-reference";
import { createTRPCRouter, deploymentProcedureFor } from "@/server/trpc/procedures";

export const driftRouter = createTRPCRouter({
  reports: deploymentProcedureFor("read")
    .input(ZListDriftReportsInput)
    .output(ZListDriftReportsOutput)
    .query(({ ctx, input }) => listDriftReports({ teamId: ctx.team.id, ...input })),
  setSettings: deploymentProcedureFor("deployment.deploy")
    .input(ZSetDriftSettingsInput)
    .output(ZSetDriftSettingsOutput)
    .mutation(({ ctx, input }) => setDriftSettings({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  setOutputReference: deploymentProcedureFor("deployment.deploy")
    .input(ZSetOutputReferenceInput)
    .output(ZSetOutputReferenceOutput)
    .mutation(({ ctx, input }) => setOutputReference({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
});
