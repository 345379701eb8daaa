import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { formatInputIssues } from "@/server/domain/zod-message";
import { ZGoldenSetOutput } from "@/server/services/golden-set/golden-set-output";
import {
  listGoldenSets,
  ZListGoldenSetsInput,
  ZListGoldenSetsOutput,
} from "@/server/services/golden-set/list-golden-sets";
import { uploadGoldenSet, ZUploadGoldenSetFields } from "@/server/services/golden-set/upload-golden-set";
import { readJsonPart, readTextPart, withFilePart } from "@/server/trpc/form-data";
import { createTRPCRouter, procedureFor, viewerProcedure } from "@/server/trpc/procedures";

const uploadProcedure = procedureFor("goldenSet.upload")
  .input(z.instanceof(FormData))
  .output(ZGoldenSetOutput);

export const goldenSetRouter = createTRPCRouter({
  /**
   * Multipart: `modelName`, `name`, `format` (csv, jsonl or parquet), `task` (JSON of
   * ZGoldenSetTask), `labelColumn` (CSV and Parquet), `file`.
   */
  upload: uploadProcedure.mutation(({ ctx, input }) => {
    const fields = ZUploadGoldenSetFields.safeParse({
      modelName: readTextPart(input, "modelName") ?? undefined,
      name: readTextPart(input, "name") ?? undefined,
      format: readTextPart(input, "format") ?? undefined,
      task: readJsonPart(input, "task"),
      labelColumn: readTextPart(input, "labelColumn") ?? undefined,
    });
    if (!fields.success) throw new AppError("BAD_REQUEST", formatInputIssues(fields.error));
    return withFilePart(input, "file", (file) =>
      uploadGoldenSet({ teamId: ctx.team.id, actor: ctx.actor, ...fields.data, file }),
    );
  }),
  list: viewerProcedure
    .input(ZListGoldenSetsInput)
    .output(ZListGoldenSetsOutput)
    .query(({ ctx, input }) => listGoldenSets({ teamId: ctx.team.id, ...input })),
});
