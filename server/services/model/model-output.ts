import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { ZSignature } from "@/server/domain/signature";
import { ZVersionMetrics } from "@/server/domain/version-metadata";

// What clients (pages, CI) see of models and versions: names and numbers, never row ids, team
// ids or storage keys. Each schema has the Prisma select that reads exactly its fields.

export const ZModelSummary = z.object({
  name: z.string(),
  description: z.string(),
  task: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export const MODEL_SUMMARY_SELECT = {
  name: true,
  description: true,
  task: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.ModelSelect;

/** The feature set version a model version is linked to, by name and number. */
export const ZFeatureSetLink = z.object({ name: z.string(), version: z.number().int() }).nullable();
export const FEATURE_SET_LINK_SELECT = {
  select: { number: true, featureSet: { select: { name: true } } },
} as const satisfies Prisma.ModelVersion$featureSetVersionArgs;

export function featureSetLinkOf(
  featureSetVersion: { number: number; featureSet: { name: string } } | null,
): z.output<typeof ZFeatureSetLink> {
  return featureSetVersion
    ? { name: featureSetVersion.featureSet.name, version: featureSetVersion.number }
    : null;
}

export const ZModelVersionStatus = z.enum(["registered", "validated", "failed"]);

/** A version as the model page lists it. */
export const ZModelVersionSummary = z.object({
  number: z.number().int(),
  status: ZModelVersionStatus,
  description: z.string(),
  artifactSha256: z.string(),
  artifactSizeBytes: z.number().int(),
  metrics: ZVersionMetrics,
  signature: ZSignature,
  featureSet: ZFeatureSetLink,
  createdAt: z.date(),
});
export const MODEL_VERSION_SUMMARY_SELECT = {
  number: true,
  status: true,
  description: true,
  artifactSha256: true,
  artifactSizeBytes: true,
  metrics: true,
  signature: true,
  featureSetVersion: FEATURE_SET_LINK_SELECT,
  createdAt: true,
} as const satisfies Prisma.ModelVersionSelect;

export function modelVersionSummaryOf(
  version: Prisma.ModelVersionGetPayload<{ select: typeof MODEL_VERSION_SUMMARY_SELECT }>,
): z.output<typeof ZModelVersionSummary> {
  const { featureSetVersion, metrics, signature, ...fields } = version;
  return {
    ...fields,
    metrics: ZVersionMetrics.parse(metrics),
    signature: ZSignature.parse(signature),
    featureSet: featureSetLinkOf(featureSetVersion),
  };
}

/** What an upload answers: the number it was given and the sha256 it is stored under. */
export const ZUploadModelVersionOutput = z.object({ number: z.number().int(), artifactSha256: z.string() });
