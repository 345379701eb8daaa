import { ZFeatureSetBaseline } from "@/server/domain/feature-set/baseline";
import { getDb } from "@/server/db";
import { findFeatureSetVersionOrThrow } from "@/server/services/feature-set/find-feature-set-version";

export async function getFeatureSetVersion(teamId: string, featureSetName: string, number: number) {
  const version = await findFeatureSetVersionOrThrow(teamId, featureSetName, number);
  const linkedModelVersions = await getDb().modelVersion.findMany({
    where: { teamId, featureSetVersionId: version.id },
    orderBy: [{ model: { name: "asc" } }, { number: "asc" }],
    select: { number: true, model: { select: { name: true } } },
  });
  return {
    ...version,
    baseline: ZFeatureSetBaseline.parse(version.baseline),
    linkedModelVersions: linkedModelVersions.map((linked) => ({
      modelName: linked.model.name,
      number: linked.number,
    })),
  };
}
