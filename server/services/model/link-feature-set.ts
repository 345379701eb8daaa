import { AppError } from "@/server/domain/app-error";
import { checkFeatureSetFit } from "@/server/domain/feature-set/link-check";
import { getDb } from "@/server/db";
import { findFeatureSetVersionOrThrow } from "@/server/services/feature-set/find-feature-set-version";
import { getModelVersion } from "@/server/services/model/get-model-version";

export interface LinkFeatureSetInput {
  teamId: string;
  modelName: string;
  versionNumber: number;
  /** null unlinks. */
  featureSet: { name: string; version: number } | null;
}

export async function linkFeatureSet({ teamId, modelName, versionNumber, featureSet }: LinkFeatureSetInput) {
  const version = await getModelVersion(teamId, modelName, versionNumber);
  let featureSetVersionId: string | null = null;
  if (featureSet) {
    const featureSetVersion = await findFeatureSetVersionOrThrow(teamId, featureSet.name, featureSet.version);
    const fit = checkFeatureSetFit(version.signature, featureSetVersion.features);
    if (!fit.ok) {
      throw new AppError(
        "BAD_REQUEST",
        `cannot link feature set '${featureSet.name}' v${featureSet.version} to ${modelName} v${versionNumber}: ${fit.message}`,
      );
    }
    featureSetVersionId = featureSetVersion.id;
  }
  await getDb().modelVersion.update({ where: { id: version.id }, data: { featureSetVersionId } });
  return getModelVersion(teamId, modelName, versionNumber);
}
