import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { formatInputIssues } from "@/server/domain/zod-message";
import {
  createFeatureSet,
  ZCreateFeatureSetInput,
  ZCreateFeatureSetOutput,
} from "@/server/services/feature-set/create-feature-set";
import {
  createFeatureSetVersion,
  ZFeatureSource,
} from "@/server/services/feature-set/create-feature-set-version";
import { ZCreateFeatureSetVersionOutput } from "@/server/services/feature-set/feature-set-output";
import {
  getFeatureSet,
  ZGetFeatureSetInput,
  ZGetFeatureSetOutput,
} from "@/server/services/feature-set/get-feature-set";
import {
  getFeatureSetVersion,
  ZGetFeatureSetVersionInput,
  ZGetFeatureSetVersionOutput,
} from "@/server/services/feature-set/get-feature-set-version";
import { listFeatureSets, ZListFeatureSetsOutput } from "@/server/services/feature-set/list-feature-sets";
import { readJsonPart, readTextPart, withFilePart } from "@/server/trpc/form-data";
import { createTRPCRouter, procedureFor, viewerProcedure } from "@/server/trpc/procedures";

const createVersionProcedure = procedureFor("featureSet.write")
  .input(z.instanceof(FormData))
  .output(ZCreateFeatureSetVersionOutput);

export const featureSetRouter = createTRPCRouter({
  list: viewerProcedure
    .output(ZListFeatureSetsOutput)
    .query(({ ctx }) => listFeatureSets({ teamId: ctx.team.id })),
  create: procedureFor("featureSet.write")
    .input(ZCreateFeatureSetInput)
    .output(ZCreateFeatureSetOutput)
    .mutation(({ ctx, input }) => createFeatureSet({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  byName: viewerProcedure
    .input(ZGetFeatureSetInput)
    .output(ZGetFeatureSetOutput)
    .query(({ ctx, input }) => getFeatureSet({ teamId: ctx.team.id, ...input })),
  /** Multipart: `featureSetName`, `file` (CSV sample), `featureSource` (JSON of ZFeatureSource; default infer). */
  createVersion: createVersionProcedure.mutation(async ({ ctx, input }) => {
    const featureSetName = readTextPart(input, "featureSetName");
    if (!featureSetName) throw new AppError("BAD_REQUEST", "the upload has no 'featureSetName' part");
    const source = ZFeatureSource.safeParse(readJsonPart(input, "featureSource") ?? { kind: "infer" });
    if (!source.success) throw new AppError("BAD_REQUEST", formatInputIssues(source.error));
    return withFilePart(input, "file", (sample) =>
      createFeatureSetVersion({
        teamId: ctx.team.id,
        actor: ctx.actor,
        featureSetName,
        sample,
        featureSource: source.data,
      }),
    );
  }),
  versionByNumber: viewerProcedure
    .input(ZGetFeatureSetVersionInput)
    .output(ZGetFeatureSetVersionOutput)
    .query(({ ctx, input }) => getFeatureSetVersion({ teamId: ctx.team.id, ...input })),
});
