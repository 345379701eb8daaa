import { z } from "zod";
import { ZRevisionTarget } from "@/server/domain/traffic/revision-target";
import { getDb } from "@/server/db";
import {
  DEPLOYMENT_SUMMARY_SELECT,
  deploymentSummaryOf,
  trafficTargetOf,
  ZDeploymentSummary,
  ZTrafficTargetOutput,
} from "@/server/services/deployment/deployment-output";

export const ZListDeploymentsOutput = z.array(
  ZDeploymentSummary.extend({
    activeRevision: z
      .object({ number: z.number().int(), createdAt: z.date(), target: ZTrafficTargetOutput })
      .nullable(),
  }),
);

export async function listDeployments({
  teamId,
}: {
  teamId: string;
}): Promise<z.output<typeof ZListDeploymentsOutput>> {
  const deployments = await getDb().deployment.findMany({
    where: { teamId },
    orderBy: [{ environment: "desc" }, { name: "asc" }],
    select: {
      ...DEPLOYMENT_SUMMARY_SELECT,
      activeRevision: { select: { number: true, target: true, createdAt: true } },
    },
  });
  return deployments.map(({ activeRevision, ...deployment }) => ({
    ...deploymentSummaryOf(deployment),
    activeRevision: activeRevision
      ? {
          number: activeRevision.number,
          createdAt: activeRevision.createdAt,
          target: trafficTargetOf(ZRevisionTarget.parse(activeRevision.target)),
        }
      : null,
  }));
}
