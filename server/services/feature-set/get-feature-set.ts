import { z } from "zod";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { getDb } from "@/server/db";
import {
  FEATURE_SET_SUMMARY_SELECT,
  ZFeatureSetSummary,
} from "@/server/services/feature-set/feature-set-output";
import { featureSetNotFound } from "@/server/services/feature-set/find-feature-set";

export const ZGetFeatureSetInput = z.object({ name: z.string().min(1) });
export const ZGetFeatureSetOutput = ZFeatureSetSummary.extend({
  versions: z.array(
    z.object({
      number: z.number().int(),
      features: ZFeatureList,
      sampleRowCount: z.number().int(),
      sampleSha256: z.string(),
      createdAt: z.date(),
      linkedModelVersionCount: z.number().int(),
    }),
  ),
});

export async function getFeatureSet({
  teamId,
  name,
}: z.output<typeof ZGetFeatureSetInput> & { teamId: string }): Promise<
  z.output<typeof ZGetFeatureSetOutput>
> {
  const featureSet = await getDb().featureSet.findUnique({
    where: { teamId_name: { teamId, name } },
    select: {
      ...FEATURE_SET_SUMMARY_SELECT,
      versions: {
        orderBy: { number: "desc" },
        select: {
          number: true,
          features: true,
          sampleRowCount: true,
          sampleSha256: true,
          createdAt: true,
          _count: { select: { modelVersions: true } },
        },
      },
    },
  });
  if (!featureSet) throw featureSetNotFound(name);
  return {
    ...featureSet,
    versions: featureSet.versions.map(({ features, _count, ...version }) => ({
      ...version,
      features: ZFeatureList.parse(features),
      linkedModelVersionCount: _count.modelVersions,
    })),
  };
}
