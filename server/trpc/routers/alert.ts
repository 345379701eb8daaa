import {
  createAlertRule,
  ZCreateAlertRuleInput,
  ZCreateAlertRuleOutput,
} from "@/server/services/alert/create-alert-rule";
import {
  deleteAlertRule,
  ZDeleteAlertRuleInput,
  ZDeleteAlertRuleOutput,
} from "@/server/services/alert/delete-alert-rule";
import {
  listAlertEvents,
  ZListAlertEventsInput,
  ZListAlertEventsOutput,
} from "@/server/services/alert/list-alert-events";
import {
  listAlertRules,
  ZListAlertRulesInput,
  ZListAlertRulesOutput,
} from "@/server/services/alert/list-alert-rules";
import {
  testSendAlert,
  ZTestSendAlertInput,
  ZTestSendAlertOutput,
} from "@/server/services/alert/test-send-alert";
import {
  updateAlertRule,
  ZUpdateAlertRuleInput,
  ZUpdateAlertRuleOutput,
} from "@/server/services/alert/update-alert-rule";
import { createTRPCRouter, procedureFor, viewerProcedure } from "@/server/trpc/procedures";

// Reads need a viewer of the team, changes an editor ("alert.manage").
export const alertRouter = createTRPCRouter({
  createRule: procedureFor("alert.manage")
    .input(ZCreateAlertRuleInput)
    .output(ZCreateAlertRuleOutput)
    .mutation(({ ctx, input }) => createAlertRule({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  updateRule: procedureFor("alert.manage")
    .input(ZUpdateAlertRuleInput)
    .output(ZUpdateAlertRuleOutput)
    .mutation(({ ctx, input }) => updateAlertRule({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  deleteRule: procedureFor("alert.manage")
    .input(ZDeleteAlertRuleInput)
    .output(ZDeleteAlertRuleOutput)
    .mutation(({ ctx, input }) => deleteAlertRule({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  rules: viewerProcedure
    .input(ZListAlertRulesInput)
    .output(ZListAlertRulesOutput)
    .query(({ ctx, input }) => listAlertRules({ teamId: ctx.team.id, ...input })),
  /** Episodes, newest first, by rule and status. */
  events: viewerProcedure
    .input(ZListAlertEventsInput)
    .output(ZListAlertEventsOutput)
    .query(({ ctx, input }) => listAlertEvents({ teamId: ctx.team.id, ...input })),
  /** A test notification to a rule's receivers or to one webhook. */
  testSend: procedureFor("alert.manage")
    .input(ZTestSendAlertInput)
    .output(ZTestSendAlertOutput)
    .mutation(({ ctx, input }) => testSendAlert({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
});
