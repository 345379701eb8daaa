import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZSignature } from "@/server/domain/signature";
import { ZVersionMetrics, ZVersionTags } from "@/server/domain/version-metadata";
import { getDb } from "@/server/db";
import { findModelOrThrow } from "@/server/services/model/find-model";
import type { OpsetImport } from "@/server/onnx/read-model-header";

export const ZGetModelVersionInput = z.object({
  modelName: z.string().min(1),
  number: z.number().int().positive(),
});
export type GetModelVersionOptions = z.output<typeof ZGetModelVersionInput> & { teamId: string };

export async function getModelVersion({ teamId, modelName, number }: GetModelVersionOptions) {
  const model = await findModelOrThrow(teamId, modelName);
  const version = await getDb().modelVersion.findUnique({
    where: { modelId_number: { modelId: model.id, number } },
    include: {
      featureSetVersion: { select: { id: true, number: true, featureSet: { select: { name: true } } } },
    },
  });
  if (!version) throw new AppError("NOT_FOUND", `model '${modelName}' has no version ${number}`);
  return {
    ...version,
    model: { id: model.id, name: model.name, task: model.task },
    signature: ZSignature.parse(version.signature),
    metrics: ZVersionMetrics.parse(version.metrics),
    tags: ZVersionTags.parse(version.tags),
    opsetImports: version.opsetImports as unknown as OpsetImport[],
    featureSet: version.featureSetVersion
      ? { name: version.featureSetVersion.featureSet.name, version: version.featureSetVersion.number }
      : null,
  };
}
