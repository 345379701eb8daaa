import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { checkFeatureSetFit } from "@/server/domain/feature-set/link-check";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findFeatureSetVersionOrThrow } from "@/server/services/feature-set/find-feature-set-version";
import { ZSignature } from "@/server/domain/signature";
import { findModelOrThrow } from "@/server/services/model/find-model";
import {
  getModelVersion,
  modelVersionNotFound,
  ZGetModelVersionInput,
} from "@/server/services/model/get-model-version";
import { FEATURE_SET_LINK_SELECT, featureSetLinkOf } from "@/server/services/model/model-output";

const ZFeatureSetRef = z.object({ name: z.string().min(1), version: z.number().int().positive() });

export const ZLinkFeatureSetInput = ZGetModelVersionInput.extend({
  /** null unlinks. */
  featureSet: ZFeatureSetRef.nullable(),
});
export type LinkFeatureSetOptions = z.output<typeof ZLinkFeatureSetInput> & { teamId: string; actor: string };

export async function linkFeatureSet({
  teamId,
  actor,
  modelName,
  number,
  featureSet,
}: LinkFeatureSetOptions) {
  const model = await findModelOrThrow(teamId, modelName);
  const version = await getDb().modelVersion.findUnique({
    where: { modelId_number: { modelId: model.id, number } },
    select: { id: true, signature: true },
  });
  if (!version) throw modelVersionNotFound(modelName, number);
  let featureSetVersionId: string | null = null;
  if (featureSet) {
    const featureSetVersion = await findFeatureSetVersionOrThrow(teamId, featureSet.name, featureSet.version);
    const fit = checkFeatureSetFit(ZSignature.parse(version.signature), featureSetVersion.features);
    if (!fit.ok) {
      throw new AppError(
        "BAD_REQUEST",
        `cannot link feature set '${featureSet.name}' v${featureSet.version} to ${modelName} v${number}: ${fit.message}`,
      );
    }
    featureSetVersionId = featureSetVersion.id;
  }
  await getDb().$transaction(async (tx) => {
    // Locked, so the audit's "before" is the link this change replaced even under concurrent links.
    await tx.$queryRaw`SELECT id FROM "ModelVersion" WHERE id = ${version.id} FOR UPDATE`;
    const current = await tx.modelVersion.findUniqueOrThrow({
      where: { id: version.id },
      select: { featureSetVersion: FEATURE_SET_LINK_SELECT },
    });
    await tx.modelVersion.update({ where: { id: version.id }, data: { featureSetVersionId } });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "modelVersion.linkFeatureSet",
      targetType: "modelVersion",
      targetId: version.id,
      before: { featureSet: featureSetLinkOf(current.featureSetVersion) },
      after: { featureSet },
    });
  });
  return getModelVersion({ teamId, modelName, number });
}
