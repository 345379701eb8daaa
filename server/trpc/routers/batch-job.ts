import { z } from "zod";
import { authorizeDeployment } from "@/server/domain/access/caller";
import { AppError } from "@/server/domain/app-error";
import { formatZodIssues } from "@/server/domain/zod-message";
import { ZBatchJobOutput } from "@/server/services/batch-job/batch-job-output";
import { cancelBatchJob } from "@/server/services/batch-job/cancel-batch-job";
import {
  compareBatchJobs,
  ZCompareBatchJobsInput,
  ZCompareBatchJobsOutput,
} from "@/server/services/batch-job/compare-batch-jobs";
import { createBatchJob, ZCreateBatchJobFields } from "@/server/services/batch-job/create-batch-job";
import {
  getBatchJob,
  ZGetBatchJobInput,
  ZGetBatchJobOutput,
} from "@/server/services/batch-job/get-batch-job";
import {
  listBatchJobs,
  ZListBatchJobsInput,
  ZListBatchJobsOutput,
} from "@/server/services/batch-job/list-batch-jobs";
import { rerunBatchJob, ZRerunBatchJobInput } from "@/server/services/batch-job/rerun-batch-job";
import { retryBatchJob } from "@/server/services/batch-job/retry-batch-job";
import { readJsonPart, readTextPart, withFilePart } from "@/server/trpc/form-data";
import { createTRPCRouter, procedureFor, viewerProcedure } from "@/server/trpc/procedures";

/** Create from an earlier job's input (no upload): the same fields as JSON. */
const ZCreateFromJobInput = ZCreateBatchJobFields.extend({ fromJobId: z.string().min(1) });

const numberPart = (form: FormData, field: string) => {
  const text = readTextPart(form, field);
  return text === null || text.trim() === "" ? undefined : Number(text);
};

export const batchJobRouter = createTRPCRouter({
  /**
   * Multipart: `file`, `format` (csv, jsonl, parquet), `modelName` + `versionNumber` or
   * `deploymentName`, and optional `mapping` (JSON: input -> columns), `outputFormat`,
   * `chunkRows`, `batchRows`, `maxErrorShare`.
   */
  create: procedureFor("batchJob.run")
    .input(z.instanceof(FormData))
    .output(ZBatchJobOutput)
    .mutation(({ ctx, input }) => {
      const fields = ZCreateBatchJobFields.safeParse({
        modelName: readTextPart(input, "modelName") ?? undefined,
        versionNumber: numberPart(input, "versionNumber"),
        deploymentName: readTextPart(input, "deploymentName") ?? undefined,
        format: readTextPart(input, "format") ?? undefined,
        mapping: readJsonPart(input, "mapping"),
        outputFormat: readTextPart(input, "outputFormat") ?? undefined,
        chunkRows: numberPart(input, "chunkRows"),
        batchRows: numberPart(input, "batchRows"),
        maxErrorShare: numberPart(input, "maxErrorShare"),
      });
      if (!fields.success)
        throw new AppError("BAD_REQUEST", `invalid ${formatZodIssues(fields.error, "batch job")}`);
      if (fields.data.deploymentName) authorizeDeployment(ctx.caller, fields.data.deploymentName);
      const part = input.get("file");
      const fileName = part instanceof File ? part.name : "input";
      return withFilePart(input, "file", (file) =>
        createBatchJob({ teamId: ctx.team.id, actor: ctx.actor, ...fields.data, input: { file, fileName } }),
      );
    }),
  createFromJob: procedureFor("batchJob.run")
    .input(ZCreateFromJobInput)
    .output(ZBatchJobOutput)
    .mutation(({ ctx, input: { fromJobId, ...fields } }) => {
      if (fields.deploymentName) authorizeDeployment(ctx.caller, fields.deploymentName);
      return createBatchJob({ teamId: ctx.team.id, actor: ctx.actor, ...fields, input: { fromJobId } });
    }),
  get: viewerProcedure
    .input(ZGetBatchJobInput)
    .output(ZGetBatchJobOutput)
    .query(({ ctx, input }) => getBatchJob({ teamId: ctx.team.id, ...input })),
  list: viewerProcedure
    .input(ZListBatchJobsInput)
    .output(ZListBatchJobsOutput)
    .query(({ ctx, input }) => listBatchJobs({ teamId: ctx.team.id, ...input })),
  cancel: procedureFor("batchJob.run")
    .input(ZGetBatchJobInput)
    .output(ZBatchJobOutput)
    .mutation(({ ctx, input }) => cancelBatchJob({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  retry: procedureFor("batchJob.run")
    .input(ZGetBatchJobInput)
    .output(ZBatchJobOutput)
    .mutation(({ ctx, input }) => retryBatchJob({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  rerun: procedureFor("batchJob.run")
    .input(ZRerunBatchJobInput)
    .output(ZBatchJobOutput)
    .mutation(({ ctx, input }) => rerunBatchJob({ teamId: ctx.team.id, actor: ctx.actor, ...input })),
  /** A mutation because it keeps a re-run's comparison on the job; to the caller, a read. */
  compare: viewerProcedure
    .input(ZCompareBatchJobsInput)
    .output(ZCompareBatchJobsOutput)
    .mutation(({ ctx, input }) => compareBatchJobs({ teamId: ctx.team.id, ...input })),
});
