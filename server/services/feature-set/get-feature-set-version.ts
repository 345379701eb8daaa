import { z } from "zod";
import { withoutReferenceSamples, ZFeatureSetBaseline } from "@/server/domain/feature-set/baseline";
import { ZFeatureList } from "@/server/domain/feature-set/feature-spec";
import { getDb } from "@/server/db";
import { featureSetVersionNotFound } from "@/server/services/feature-set/find-feature-set-version";

export const ZGetFeatureSetVersionInput = z.object({
  name: z.string().min(1),
  number: z.number().int().positive(),
});
export type GetFeatureSetVersionOptions = z.output<typeof ZGetFeatureSetVersionInput> & { teamId: string };

export const ZGetFeatureSetVersionOutput = z.object({
  number: z.number().int(),
  featureSet: z.object({ name: z.string() }),
  features: ZFeatureList,
  baseline: ZFeatureSetBaseline,
  sampleRowCount: z.number().int(),
  sampleSha256: z.string(),
  createdAt: z.date(),
  linkedModelVersions: z.array(z.object({ modelName: z.string(), number: z.number().int() })),
});

export async function getFeatureSetVersion({
  teamId,
  name,
  number,
}: GetFeatureSetVersionOptions): Promise<z.output<typeof ZGetFeatureSetVersionOutput>> {
  const version = await getDb().featureSetVersion.findFirst({
    where: { teamId, number, featureSet: { name } },
    select: {
      number: true,
      featureSet: { select: { name: true } },
      features: true,
      baseline: true,
      sampleRowCount: true,
      sampleSha256: true,
      createdAt: true,
      modelVersions: {
        orderBy: [{ model: { name: "asc" } }, { number: "asc" }],
        select: { number: true, model: { select: { name: true } } },
      },
    },
  });
  if (!version) throw featureSetVersionNotFound(name, number);
  const { features, baseline, modelVersions, ...fields } = version;
  return {
    ...fields,
    features: ZFeatureList.parse(features),
    baseline: withoutReferenceSamples(ZFeatureSetBaseline.parse(baseline)),
    linkedModelVersions: modelVersions.map((linked) => ({
      modelName: linked.model.name,
      number: linked.number,
    })),
  };
}
