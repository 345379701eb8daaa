import { z } from "zod";

/** What a user states about a model version besides the file itself (MLflow's metrics, tags and lineage). */
export const ZVersionMetrics = z.record(z.string().min(1).max(100), z.number().finite());
export const ZVersionTags = z.record(z.string().min(1).max(100), z.string().max(500));

export const ZVersionMetadata = z.object({
  description: z.string().max(5000).default(""),
  metrics: ZVersionMetrics.default({}),
  gitCommit: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{7,40}$/i, "gitCommit must be a 7 to 40 character hex commit id")
    .nullish()
    .transform((value) => value ?? null),
  dataRef: z
    .string()
    .trim()
    .max(1000)
    .nullish()
    .transform((value) => value || null),
  tags: ZVersionTags.default({}),
  featureSet: z
    .object({ name: z.string().min(1), version: z.number().int().positive() })
    .nullish()
    .transform((value) => value ?? null),
});
export type VersionMetadata = z.output<typeof ZVersionMetadata>;
export type VersionMetadataInput = z.input<typeof ZVersionMetadata>;
