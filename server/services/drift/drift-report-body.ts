import { z } from "zod";

/** One feature's or output's drift and data quality in a window; written by compute-drift-report.ts. */
export const ZFeatureReport = z.object({
  name: z.string(),
  kind: z.enum(["numeric", "categorical"]),
  method: z.enum(["ks", "wasserstein", "chisquare", "jensenshannon", "psi"]),
  score: z.number().nullable(),
  threshold: z.number(),
  psi: z.number().nullable(),
  status: z.enum(["ok", "warning", "drift"]).nullable(),
  sampleCount: z.number().int(),
  missingCount: z.number().int(),
  note: z.string().optional(),
  quality: z.object({
    rowCount: z.number().int(),
    missingShare: z.number(),
    outOfRangeShare: z.number(),
    unseenShare: z.number(),
  }),
});
export type FeatureReport = z.infer<typeof ZFeatureReport>;

/** The window a version's outputs were judged against (server/services/drift/output-reference.ts). */
export const ZOutputReferenceWindow = z.object({
  windowStartMs: z.number(),
  windowEndMs: z.number(),
  rowCount: z.number().int(),
});

/**
 * What a DriftReport row's `features` column holds. The output fields came later: a report written
 * before them parses with no outputs and no reference.
 */
export const ZDriftReportBody = z.object({
  /** Rows (not requests) the window's samples held: input rows, or of an output-only report output rows. */
  rows: z.number().int(),
  unreadableSamples: z.number().int(),
  /** The input features' verdict (no features: nothing judged); outputs never sway it. */
  dataset: z.object({
    status: z.enum(["ok", "warning", "drift"]).nullable(),
    driftedCount: z.number().int(),
    judgedCount: z.number().int(),
    driftedShare: z.number().nullable(),
  }),
  /** Empty when the version has no linked feature set. */
  features: z.array(ZFeatureReport),
  /** Per output column (output-columns.ts); empty until the version has an output reference. */
  outputs: z.array(ZFeatureReport).default([]),
  outputReference: ZOutputReferenceWindow.nullable().default(null),
  unreadableOutputSamples: z.number().int().default(0),
});
export type DriftReportBody = z.infer<typeof ZDriftReportBody>;
