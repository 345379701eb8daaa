import {
  ZDeploymentChartsInput,
  ZDeploymentChartsOutput,
  ZMonitoringOverviewOutput,
} from "@/server/contracts/monitoring-api";
import { getDeploymentCharts } from "@/server/services/monitoring/get-deployment-charts";
import { getMonitoringOverview } from "@/server/services/monitoring/get-monitoring-overview";
import { createTRPCRouter, teamProcedure } from "@/server/trpc/procedures";

export const monitoringRouter = createTRPCRouter({
  /** Requests, errors, latency percentiles, queue wait, runs and cost per version over a range. */
  deploymentCharts: teamProcedure
    .input(ZDeploymentChartsInput)
    .output(ZDeploymentChartsOutput)
    .query(({ ctx, input }) => getDeploymentCharts({ teamId: ctx.team.id, ...input })),
  /** Every deployment of the team over the last hour. */
  overview: teamProcedure
    .output(ZMonitoringOverviewOutput)
    .query(({ ctx }) => getMonitoringOverview({ teamId: ctx.team.id })),
});
