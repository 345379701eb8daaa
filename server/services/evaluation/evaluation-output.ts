import { z } from "zod";
import { ZEvaluationMetrics } from "@/server/domain/evaluation/metric-names";

/** An evaluation as the API shows it: named by model and number, no internal ids. */
export const ZEvaluationOutput = z.object({
  number: z.number().int(),
  modelName: z.string(),
  versionNumber: z.number().int(),
  goldenSetName: z.string(),
  status: z.enum(["queued", "running", "succeeded", "failed"]),
  metrics: ZEvaluationMetrics,
  rowCount: z.number().int(),
  error: z.string().nullable(),
  hostName: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});
export type EvaluationOutput = z.infer<typeof ZEvaluationOutput>;

export const EVALUATION_OUTPUT_SELECT = {
  number: true,
  status: true,
  metrics: true,
  error: true,
  hostName: true,
  createdBy: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  model: { select: { name: true } },
  modelVersion: { select: { number: true } },
  goldenSet: { select: { name: true, rowCount: true } },
} as const;

export function evaluationOutputOf(row: {
  number: number;
  status: EvaluationOutput["status"];
  metrics: unknown;
  error: string | null;
  hostName: string | null;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  model: { name: string };
  modelVersion: { number: number };
  goldenSet: { name: string; rowCount: number };
}): EvaluationOutput {
  const { model, modelVersion, goldenSet, metrics, ...rest } = row;
  return {
    ...rest,
    modelName: model.name,
    versionNumber: modelVersion.number,
    goldenSetName: goldenSet.name,
    rowCount: goldenSet.rowCount,
    metrics: ZEvaluationMetrics.parse(metrics),
  };
}
