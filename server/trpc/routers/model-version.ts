import { z } from "zod";
import { getModelVersion } from "@/server/services/model/get-model-version";
import { linkFeatureSet } from "@/server/services/model/link-feature-set";
import { registerModelVersion } from "@/server/services/model/register-model-version";
import { readFilePart, readJsonPart, readTextPart } from "@/server/trpc/form-data";
import { createTRPCRouter, teamProcedure } from "@/server/trpc/procedures";
import { AppError } from "@/server/domain/app-error";
import type { VersionMetadataInput } from "@/server/domain/version-metadata";

const ZVersionRef = z.object({ modelName: z.string().min(1), number: z.number().int().positive() });

export const modelVersionRouter = createTRPCRouter({
  /** Multipart: `modelName`, `file` (the .onnx), optional `metadata` (JSON of ZVersionMetadata). Browser and CI both use it. */
  upload: teamProcedure.input(z.instanceof(FormData)).mutation(async ({ ctx, input }) => {
    const modelName = readTextPart(input, "modelName");
    if (!modelName) throw new AppError("BAD_REQUEST", "the upload has no 'modelName' part");
    const { bytes } = await readFilePart(input, "file");
    const metadata = (readJsonPart(input, "metadata") ?? {}) as VersionMetadataInput;
    const version = await registerModelVersion({ teamId: ctx.team.id, modelName, bytes, metadata });
    return { id: version.id, number: version.number, artifactSha256: version.artifactSha256 };
  }),
  byNumber: teamProcedure
    .input(ZVersionRef)
    .query(({ ctx, input }) => getModelVersion(ctx.team.id, input.modelName, input.number)),
  linkFeatureSet: teamProcedure
    .input(
      ZVersionRef.extend({
        featureSet: z.object({ name: z.string().min(1), version: z.number().int().positive() }).nullable(),
      }),
    )
    .mutation(({ ctx, input }) =>
      linkFeatureSet({
        teamId: ctx.team.id,
        modelName: input.modelName,
        versionNumber: input.number,
        featureSet: input.featureSet,
      }),
    ),
});
