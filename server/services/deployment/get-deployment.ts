import { z } from "zod";
import { ZVersionMetrics } from "@/server/domain/version-metadata";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import {
  DEPLOYMENT_SUMMARY_SELECT,
  deploymentSummaryOf,
  REVISION_SELECT,
  revisionOf,
  ZDeploymentSummary,
  ZRevisionOutput,
  ZServedRevisionOutput,
} from "@/server/services/deployment/deployment-output";
import { withServedUntil } from "@/server/domain/traffic/served-periods";
import { gateOf, ZDeploymentGate } from "@/server/services/deployment/set-deployment-gate";
import { deploymentNotFound, noActiveRevision } from "@/server/services/deployment/find-deployment";

const REVISION_HISTORY_LIMIT = 50;

export const ZGetDeploymentInput = z.object({ name: z.string().min(1) });
export const ZGetDeploymentOutput = ZDeploymentSummary.extend({
  inferUrl: z.string(),
  activeRevision: ZRevisionOutput,
  /** The revision a rollback would return to; null when there is none. */
  rollbackTo: z.number().int().nullable(),
  /** Whether promotions must pass the evaluation gate, on which golden set, with what margin. */
  gate: ZDeploymentGate,
  /** Four eyes: promotions apply only as requests another person approves. */
  approvalRequired: z.boolean(),
  /** What served when: newest first, at most REVISION_HISTORY_LIMIT. */
  revisions: z.array(ZServedRevisionOutput),
  /** The model's versions, newest first: what the traffic actions can choose from. */
  versions: z.array(
    z.object({
      number: z.number().int(),
      description: z.string(),
      metrics: ZVersionMetrics,
      createdAt: z.date(),
    }),
  ),
});

export async function getDeployment({
  teamId,
  name,
}: z.output<typeof ZGetDeploymentInput> & { teamId: string }): Promise<
  z.output<typeof ZGetDeploymentOutput>
> {
  const db = getDb();
  const deployment = await db.deployment.findUnique({
    where: { teamId_name: { teamId, name } },
    select: {
      ...DEPLOYMENT_SUMMARY_SELECT,
      gateRequired: true,
      gateMargin: true,
      gateGoldenSet: { select: { name: true } },
      approvalRequired: true,
      model: {
        select: {
          name: true,
          versions: {
            orderBy: { number: "desc" },
            select: { number: true, description: true, metrics: true, createdAt: true },
          },
        },
      },
      activeRevision: { select: { ...REVISION_SELECT, previousRevisionId: true } },
      revisions: { orderBy: { number: "desc" }, take: REVISION_HISTORY_LIMIT, select: REVISION_SELECT },
    },
  });
  if (!deployment) throw deploymentNotFound(name);
  const { activeRevision, revisions, model } = deployment;
  if (!activeRevision) throw noActiveRevision(name);
  const previous = activeRevision.previousRevisionId
    ? await db.deploymentRevision.findUnique({
        where: { id: activeRevision.previousRevisionId },
        select: { number: true },
      })
    : null;
  return {
    ...deploymentSummaryOf(deployment),
    inferUrl: `${readEnv().GATEWAY_PUBLIC_URL}/v2/models/${deployment.name}/infer`,
    activeRevision: revisionOf(activeRevision),
    rollbackTo: previous?.number ?? null,
    gate: gateOf(deployment),
    approvalRequired: deployment.approvalRequired,
    revisions: withServedUntil(revisions.map(revisionOf)),
    versions: model.versions.map((version) => ({
      ...version,
      metrics: ZVersionMetrics.parse(version.metrics),
    })),
  };
}
