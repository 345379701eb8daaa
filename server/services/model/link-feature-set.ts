import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { checkFeatureSetFit } from "@/server/domain/feature-set/link-check";
import { getDb } from "@/server/db";
import { findFeatureSetVersionOrThrow } from "@/server/services/feature-set/find-feature-set-version";
import { getModelVersion, ZGetModelVersionInput } from "@/server/services/model/get-model-version";

export const ZLinkFeatureSetInput = ZGetModelVersionInput.extend({
  /** null unlinks. */
  featureSet: z.object({ name: z.string().min(1), version: z.number().int().positive() }).nullable(),
});
export type LinkFeatureSetOptions = z.output<typeof ZLinkFeatureSetInput> & { teamId: string };

export async function linkFeatureSet({ teamId, modelName, number, featureSet }: LinkFeatureSetOptions) {
  const version = await getModelVersion({ teamId, modelName, number });
  let featureSetVersionId: string | null = null;
  if (featureSet) {
    const featureSetVersion = await findFeatureSetVersionOrThrow(teamId, featureSet.name, featureSet.version);
    const fit = checkFeatureSetFit(version.signature, featureSetVersion.features);
    if (!fit.ok) {
      throw new AppError(
        "BAD_REQUEST",
        `cannot link feature set '${featureSet.name}' v${featureSet.version} to ${modelName} v${number}: ${fit.message}`,
      );
    }
    featureSetVersionId = featureSetVersion.id;
  }
  await getDb().modelVersion.update({ where: { id: version.id }, data: { featureSetVersionId } });
  return getModelVersion({ teamId, modelName, number });
}
