import {
  ZDeploymentChartsInput,
  ZDeploymentChartsOutput,
  ZDeploymentOverheadOutput,
  ZMonitoringOverviewOutput,
} from "@/server/contracts/monitoring-api";
import { getDeploymentCharts } from "@/server/services/monitoring/get-deployment-charts";
import { getDeploymentOverhead } from "@/server/services/monitoring/get-deployment-overhead";
import { reachableDeployments } from "@/server/domain/access/caller";
import { getMonitoringOverview } from "@/server/services/monitoring/get-monitoring-overview";
import { createTRPCRouter, deploymentProcedureFor, viewerProcedure } from "@/server/trpc/procedures";

export const monitoringRouter = createTRPCRouter({
  /** Requests, errors, latency percentiles, queue wait, runs and cost per version over a range. */
  deploymentCharts: deploymentProcedureFor("read")
    .input(ZDeploymentChartsInput)
    .output(ZDeploymentChartsOutput)
    .query(({ ctx, input }) => getDeploymentCharts({ teamId: ctx.team.id, ...input })),
  /** Per version and role over a range: the session runs' p50 beside the answers' p50. */
  deploymentOverhead: deploymentProcedureFor("read")
    .input(ZDeploymentChartsInput)
    .output(ZDeploymentOverheadOutput)
    .query(({ ctx, input }) => getDeploymentOverhead({ teamId: ctx.team.id, ...input })),
  /** Every deployment of the team over the last hour. */
  overview: viewerProcedure
    .output(ZMonitoringOverviewOutput)
    .query(async ({ ctx }) =>
      reachableDeployments(ctx.caller, await getMonitoringOverview({ teamId: ctx.team.id })),
    ),
});
