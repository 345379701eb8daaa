import { z } from "zod";

/** What a DriftReport row's `features` column holds; written by compute-drift-report.ts. */
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

export const ZDriftReportBody = z.object({
  /** Rows (not requests) the window's samples held. */
  rows: z.number().int(),
  unreadableSamples: z.number().int(),
  dataset: z.object({
    status: z.enum(["ok", "warning", "drift"]).nullable(),
    driftedCount: z.number().int(),
    judgedCount: z.number().int(),
    driftedShare: z.number().nullable(),
  }),
  features: z.array(ZFeatureReport),
});
export type DriftReportBody = z.infer<typeof ZDriftReportBody>;
