import {
  listAuditEvents,
  ZListAuditEventsInput,
  ZListAuditEventsOutput,
} from "@/server/services/audit/list-audit-events";
import { createTRPCRouter, teamProcedure } from "@/server/trpc/procedures";

export const auditRouter = createTRPCRouter({
  /** Every change in the team, newest first: who, when, which object, before and after. */
  list: teamProcedure
    .input(ZListAuditEventsInput)
    .output(ZListAuditEventsOutput)
    .query(({ ctx, input }) => listAuditEvents({ teamId: ctx.team.id, ...input })),
});
