import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZVersionTags } from "@/server/domain/version-metadata";
import { getDb } from "@/server/db";
import { findModelOrThrow } from "@/server/services/model/find-model";
import {
  MODEL_VERSION_SUMMARY_SELECT,
  modelVersionSummaryOf,
  ZModelVersionSummary,
} from "@/server/services/model/model-output";

export const ZGetModelVersionInput = z.object({
  modelName: z.string().min(1),
  number: z.number().int().positive(),
});
export type GetModelVersionOptions = z.output<typeof ZGetModelVersionInput> & { teamId: string };

const ZOpsetImports = z.array(z.object({ domain: z.string(), version: z.number().int() }));

export const ZGetModelVersionOutput = ZModelVersionSummary.extend({
  model: z.object({ name: z.string(), task: z.string() }),
  irVersion: z.number().int().nullable(),
  opsetImports: ZOpsetImports,
  producerName: z.string().nullable(),
  producerVersion: z.string().nullable(),
  gitCommit: z.string().nullable(),
  dataRef: z.string().nullable(),
  tags: ZVersionTags,
});
export type ModelVersionOutput = z.output<typeof ZGetModelVersionOutput>;

export async function getModelVersion({
  teamId,
  modelName,
  number,
}: GetModelVersionOptions): Promise<ModelVersionOutput> {
  const model = await findModelOrThrow(teamId, modelName);
  const version = await getDb().modelVersion.findUnique({
    where: { modelId_number: { modelId: model.id, number } },
    select: {
      ...MODEL_VERSION_SUMMARY_SELECT,
      irVersion: true,
      opsetImports: true,
      producerName: true,
      producerVersion: true,
      gitCommit: true,
      dataRef: true,
      tags: true,
    },
  });
  if (!version) throw modelVersionNotFound(modelName, number);
  const { irVersion, opsetImports, producerName, producerVersion, gitCommit, dataRef, tags, ...summary } =
    version;
  return {
    ...modelVersionSummaryOf(summary),
    model: { name: model.name, task: model.task },
    irVersion,
    opsetImports: ZOpsetImports.parse(opsetImports),
    producerName,
    producerVersion,
    gitCommit,
    dataRef,
    tags: ZVersionTags.parse(tags),
  };
}

export function modelVersionNotFound(modelName: string, number: number): AppError {
  return new AppError("NOT_FOUND", `model '${modelName}' has no version ${number}`);
}
