import {
  listAuditEvents,
  ZListAuditEventsInput,
  ZListAuditEventsOutput,
} from "@/server/services/audit/list-audit-events";
import { createTRPCRouter, viewerProcedure } from "@/server/trpc/procedures";

export const auditRouter = createTRPCRouter({
  /** Every change in the team, newest first: who, when, which object, before and after. */
  list: viewerProcedure
    .input(ZListAuditEventsInput)
    .output(ZListAuditEventsOutput)
    .query(({ ctx, input }) => listAuditEvents({ teamId: ctx.team.id, ...input })),
});
