import { z } from "zod";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { getDb } from "@/server/db";
import { findFeatureSetOrThrow } from "@/server/services/feature-set/find-feature-set";

export const ZGetFeatureSetInput = z.object({ name: z.string().min(1) });

export async function getFeatureSet({
  teamId,
  name,
}: z.output<typeof ZGetFeatureSetInput> & { teamId: string }) {
  const featureSet = await findFeatureSetOrThrow(teamId, name);
  const versions = await getDb().featureSetVersion.findMany({
    where: { teamId, featureSetId: featureSet.id },
    orderBy: { number: "desc" },
    select: {
      number: true,
      features: true,
      sampleRowCount: true,
      sampleSha256: true,
      createdAt: true,
      _count: { select: { modelVersions: true } },
    },
  });
  return {
    ...featureSet,
    versions: versions.map(({ features, _count, ...version }) => ({
      ...version,
      features: ZFeatureList.parse(features),
      linkedModelVersionCount: _count.modelVersions,
    })),
  };
}
