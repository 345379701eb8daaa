import { z } from "zod";
import { ZFeatureSetBaseline } from "@/server/domain/feature-set/baseline";
import { getDb } from "@/server/db";
import { findFeatureSetVersionOrThrow } from "@/server/services/feature-set/find-feature-set-version";

export const ZGetFeatureSetVersionInput = z.object({
  name: z.string().min(1),
  number: z.number().int().positive(),
});
export type GetFeatureSetVersionOptions = z.output<typeof ZGetFeatureSetVersionInput> & { teamId: string };

export async function getFeatureSetVersion({ teamId, name, number }: GetFeatureSetVersionOptions) {
  const version = await findFeatureSetVersionOrThrow(teamId, name, number);
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
