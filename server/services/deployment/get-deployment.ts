import { z } from "zod";
import { ZRevisionTarget } from "@/server/domain/traffic/revision-target";
import { getDb } from "@/server/db";
import { readEnv } from "@/server/env";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";

const REVISION_HISTORY_LIMIT = 50;

export const ZGetDeploymentInput = z.object({ name: z.string().min(1) });

export async function getDeployment({
  teamId,
  name,
}: z.output<typeof ZGetDeploymentInput> & { teamId: string }) {
  const deployment = await findDeploymentOrThrow(teamId, name);
  const db = getDb();
  const [revisions, versions] = await Promise.all([
    db.deploymentRevision.findMany({
      where: { deploymentId: deployment.id },
      orderBy: { number: "desc" },
      take: REVISION_HISTORY_LIMIT,
    }),
    db.modelVersion.findMany({
      where: { modelId: deployment.modelId },
      orderBy: { number: "desc" },
      select: { id: true, number: true, description: true, metrics: true, createdAt: true },
    }),
  ]);
  const previous = deployment.activeRevision.previousRevisionId
    ? await db.deploymentRevision.findUnique({
        where: { id: deployment.activeRevision.previousRevisionId },
        select: { number: true },
      })
    : null;
  return {
    ...deployment,
    modelName: deployment.model.name,
    inferUrl: `${readEnv().GATEWAY_PUBLIC_URL}/v2/models/${deployment.name}/infer`,
    rollbackTo: previous?.number ?? null,
    revisions: revisions.map((revision) => ({ ...revision, target: ZRevisionTarget.parse(revision.target) })),
    versions: versions.map((version) => ({
      ...version,
      metrics: version.metrics as Record<string, unknown>,
    })),
  };
}
