import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { getDb } from "@/server/db";

export async function listFeatureSets({ teamId }: { teamId: string }) {
  const featureSets = await getDb().featureSet.findMany({
    where: { teamId },
    orderBy: { name: "asc" },
    include: {
      _count: { select: { versions: true } },
      versions: {
        orderBy: { number: "desc" },
        take: 1,
        select: { number: true, features: true, sampleRowCount: true, createdAt: true },
      },
    },
  });
  return featureSets.map(({ _count, versions, ...featureSet }) => {
    const latest = versions[0];
    return {
      ...featureSet,
      versionCount: _count.versions,
      latestVersion: latest
        ? {
            number: latest.number,
            featureCount: ZFeatureList.parse(latest.features).length,
            sampleRowCount: latest.sampleRowCount,
            createdAt: latest.createdAt,
          }
        : null,
    };
  });
}
