import { AppError } from "@/server/domain/app-error";
import { ZFeatureList, type Feature } from "@/server/domain/feature-set/feature-spec";
import { ZSignature, type Signature } from "@/server/domain/signature";
import { getDb } from "@/server/db";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { findModelOrThrow } from "@/server/services/model/find-model";
import { modelVersionNotFound } from "@/server/services/model/get-model-version";

export interface BatchVersion {
  id: string;
  number: number;
  modelName: string;
  signature: Signature;
  features: Feature[] | null;
  deploymentId: string | null;
}

/**
 * The version a job scores with: named, or a deployment's production version (the one taking the
 * largest share of its active revision's traffic).
 */
export async function resolveBatchVersion({
  teamId,
  modelName,
  versionNumber,
  deploymentName,
}: {
  teamId: string;
  modelName?: string;
  versionNumber?: number;
  deploymentName?: string;
}): Promise<BatchVersion> {
  let modelId: string;
  let number: number;
  let name: string;
  let deploymentId: string | null = null;
  if (deploymentName) {
    const deployment = await findDeploymentOrThrow(teamId, deploymentName);
    const top = [...deployment.activeRevision.target.weights].sort((a, b) => b.weight - a.weight)[0]!;
    [modelId, number, name, deploymentId] = [
      deployment.model.id,
      top.versionNumber,
      deployment.model.name,
      deployment.id,
    ];
  } else if (modelName && versionNumber) {
    const model = await findModelOrThrow(teamId, modelName);
    [modelId, number, name] = [model.id, versionNumber, model.name];
  } else {
    throw new AppError("BAD_REQUEST", "name a 'deploymentName', or a 'modelName' and its 'versionNumber'");
  }
  const version = await getDb().modelVersion.findUnique({
    where: { modelId_number: { modelId, number } },
    select: { id: true, number: true, signature: true, featureSetVersion: { select: { features: true } } },
  });
  if (!version) throw modelVersionNotFound(name, number);
  return {
    id: version.id,
    number: version.number,
    modelName: name,
    signature: ZSignature.parse(version.signature),
    features: version.featureSetVersion ? ZFeatureList.parse(version.featureSetVersion.features) : null,
    deploymentId,
  };
}
