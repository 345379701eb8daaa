import { z } from "zod";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { getDb } from "@/server/db";
import {
  FEATURE_SET_SUMMARY_SELECT,
  ZFeatureSetSummary,
} from "@/server/services/feature-set/feature-set-output";

export const ZListFeatureSetsOutput = z.array(
  ZFeatureSetSummary.extend({
    versionCount: z.number().int(),
    latestVersion: z
      .object({
        number: z.number().int(),
        featureCount: z.number().int(),
        sampleRowCount: z.number().int(),
        createdAt: z.date(),
      })
      .nullable(),
  }),
);

export async function listFeatureSets({
  teamId,
}: {
  teamId: string;
}): Promise<z.output<typeof ZListFeatureSetsOutput>> {
  const featureSets = await getDb().featureSet.findMany({
    where: { teamId },
    orderBy: { name: "asc" },
    select: {
      ...FEATURE_SET_SUMMARY_SELECT,
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
