import { z } from "zod";
import { ZCanaryAnalysisSettings } from "@/server/domain/traffic/canary-analysis";

const ZFigures = z.object({
  requests: z.number().int(),
  errorRate: z.number().nullable(),
  latencyP95Ms: z.number().nullable(),
  rocAuc: z.number().nullable(),
});

/** One interval as the analysis judged it: what it decided, on which figures. */
export const ZCanaryStep = z.object({
  at: z.coerce.date(),
  decision: z.enum(["start", "step", "promote", "rollback", "inconclusive", "paused", "failed"]),
  weightPercent: z.number().int(),
  canary: ZFigures.nullable(),
  stable: ZFigures.nullable(),
  checks: z.array(
    z.object({
      name: z.string(),
      canary: z.number(),
      stable: z.number(),
      limit: z.number(),
      passed: z.boolean(),
    }),
  ),
  note: z.string(),
});
export type CanaryStep = z.output<typeof ZCanaryStep>;

export const ZCanaryAnalysisOutput = z.object({
  number: z.number().int(),
  status: z.enum(["running", "paused", "promoted", "rolledBack", "stopped", "failed"]),
  canaryVersionNumber: z.number().int(),
  stableVersionNumber: z.number().int(),
  weightPercent: z.number().int(),
  settings: ZCanaryAnalysisSettings,
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
  steps: z.array(ZCanaryStep),
});
export type CanaryAnalysisOutput = z.output<typeof ZCanaryAnalysisOutput>;
