import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";

// What clients see of feature sets: names and version numbers, never row ids or team ids.

export const ZFeatureSetSummary = z.object({
  name: z.string(),
  description: z.string(),
  createdAt: z.date(),
});
export const FEATURE_SET_SUMMARY_SELECT = {
  name: true,
  description: true,
  createdAt: true,
} as const satisfies Prisma.FeatureSetSelect;

/** What a sample upload answers: the version it made and what it made of the sample. */
export const ZCreateFeatureSetVersionOutput = z.object({
  number: z.number().int(),
  featureCount: z.number().int(),
  sampleRowCount: z.number().int(),
  ignoredColumns: z.array(z.string()),
  warnings: z.array(z.string()),
});
