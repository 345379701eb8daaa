import { z } from "zod";
import {
  getModelVersion,
  ZGetModelVersionInput,
  ZGetModelVersionOutput,
} from "@/server/services/model/get-model-version";
import { linkFeatureSet, ZLinkFeatureSetInput } from "@/server/services/model/link-feature-set";
import { ZUploadModelVersionOutput } from "@/server/services/model/model-output";
import { registerModelVersion } from "@/server/services/model/register-model-version";
import { readJsonPart, readTextPart, withFilePart } from "@/server/trpc/form-data";
import { createTRPCRouter, procedureFor, viewerProcedure } from "@/server/trpc/procedures";
import { AppError } from "@/server/domain/app-error";
import type { VersionMetadataInput } from "@/server/domain/version-metadata";

const uploadProcedure = procedureFor("model.register")
  .input(z.instanceof(FormData))
  .output(ZUploadModelVersionOutput);

export const modelVersionRouter = createTRPCRouter({
  /** Multipart: `modelName`, `file` (the .onnx), optional `metadata` (JSON of ZVersionMetadata). Browser and CI both use it. */
  upload: uploadProcedure.mutation(async ({ ctx, input }) => {
    const modelName = readTextPart(input, "modelName");
    if (!modelName) throw new AppError("BAD_REQUEST", "the upload has no 'modelName' part");
    const metadata = (readJsonPart(input, "metadata") ?? {}) as VersionMetadataInput;
    const version = await withFilePart(input, "file", (artifact) =>
      registerModelVersion({ teamId: ctx.team.id, actor: ctx.actor, modelName, artifact, metadata }),
    );
    return { id: version.id, number: version.number, artifactSha256: version.artifactSha256 };
  }),
  byNumber: viewerProcedure
    .input(ZGetModelVersionInput)
    .output(ZGetModelVersionOutput)
    .query(({ ctx, input }) => getModelVersion({ teamId: ctx.team.id, ...input })),
  linkFeatureSet: procedureFor("model.register")
    .input(ZLinkFeatureSetInput)
    .output(ZGetModelVersionOutput)
    .mutation(({ ctx, input }) => linkFeatureSet({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
});
