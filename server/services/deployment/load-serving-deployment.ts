import { AppError } from "@/server/domain/app-error";
import { ZSignature, type Signature } from "@/server/domain/signature";
import { ZRevisionTarget, type RevisionTarget } from "@/server/domain/traffic/revision-target";
import { getDb } from "@/server/db";
import { isDatabaseUnavailable } from "@/server/services/prisma-errors";

export interface ServingVersion {
  versionId: string;
  versionNumber: number;
  artifactSha256: string;
  signature: Signature;
}

export interface ServingDeployment {
  id: string;
  teamId: string;
  name: string;
  modelName: string;
  device: "cpu" | "cuda";
  maxBatchSize: number;
  maxQueueDelayMs: number;
  /** The share of answered requests the gateway logs (server/contracts/prediction-samples.ts). */
  predictionSampleRate: number;
  revisionId: string;
  revisionNumber: number;
  target: RevisionTarget;
  /** Every version the active revision serves or shadows, by id. */
  versions: Map<string, ServingVersion>;
}

/** What a gateway needs to route and validate requests for one deployment; null when unknown. */
export async function loadServingDeployment({
  teamId,
  name,
}: {
  teamId: string;
  name: string;
}): Promise<ServingDeployment | null> {
  try {
    return await readServingDeployment(teamId, name);
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    throw new AppError(
      "UNAVAILABLE",
      `deployment '${name}' cannot be looked up: the registry database is unavailable; retry later`,
      { retryAfterSeconds: 1, cause: error },
    );
  }
}

async function readServingDeployment(teamId: string, name: string): Promise<ServingDeployment | null> {
  const db = getDb();
  const deployment = await db.deployment.findUnique({
    where: { teamId_name: { teamId, name } },
    include: { activeRevision: true, model: { select: { name: true } } },
  });
  if (!deployment?.activeRevision) return null;
  const target = ZRevisionTarget.parse(deployment.activeRevision.target);
  const versionIds = [
    ...target.weights.map((entry) => entry.versionId),
    ...target.shadows.map((entry) => entry.versionId),
  ];
  const versions = await db.modelVersion.findMany({
    where: { id: { in: versionIds } },
    select: { id: true, number: true, artifactSha256: true, signature: true },
  });
  return {
    id: deployment.id,
    teamId: deployment.teamId,
    name: deployment.name,
    modelName: deployment.model.name,
    device: deployment.device,
    maxBatchSize: deployment.maxBatchSize,
    maxQueueDelayMs: deployment.maxQueueDelayMs,
    predictionSampleRate: deployment.predictionSampleRate,
    revisionId: deployment.activeRevision.id,
    revisionNumber: deployment.activeRevision.number,
    target,
    versions: new Map(
      versions.map((version) => [
        version.id,
        {
          versionId: version.id,
          versionNumber: version.number,
          artifactSha256: version.artifactSha256,
          signature: ZSignature.parse(version.signature),
        },
      ]),
    ),
  };
}
