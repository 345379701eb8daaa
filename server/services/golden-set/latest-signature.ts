import { AppError } from "@/server/domain/app-error";
import { ZFeatureList, type Feature } from "@/server/domain/feature-set/feature-spec";
import { ZSignature, type Signature } from "@/server/domain/signature";
import { getDb } from "@/server/db";

/**
 * The signature (and linked features) of a model's newest version: what an uploaded golden set
 * is checked against. Each evaluation checks the set again against the version it runs.
 */
export async function latestSignatureOrThrow(
  modelId: string,
  modelName: string,
): Promise<{ signature: Signature; features: Feature[] | null }> {
  const latest = await getDb().modelVersion.findFirst({
    where: { modelId },
    orderBy: { number: "desc" },
    select: { signature: true, featureSetVersion: { select: { features: true } } },
  });
  if (!latest)
    throw new AppError(
      "BAD_REQUEST",
      `model '${modelName}' has no version yet; register one first, a golden set is checked against its signature`,
    );
  return {
    signature: ZSignature.parse(latest.signature),
    features: latest.featureSetVersion ? ZFeatureList.parse(latest.featureSetVersion.features) : null,
  };
}
