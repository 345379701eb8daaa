import { AppError } from "@/server/domain/app-error";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { getDb } from "@/server/db";

export async function findFeatureSetVersionOrThrow(teamId: string, featureSetName: string, number: number) {
  const version = await getDb().featureSetVersion.findFirst({
    where: { teamId, number, featureSet: { name: featureSetName } },
    include: { featureSet: { select: { name: true } } },
  });
  if (!version) throw featureSetVersionNotFound(featureSetName, number);
  return { ...version, features: ZFeatureList.parse(version.features) };
}

export function featureSetVersionNotFound(featureSetName: string, number: number): AppError {
  return new AppError("NOT_FOUND", `feature set '${featureSetName}' has no version ${number}`);
}
