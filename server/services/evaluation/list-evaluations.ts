import { z } from "zod";
import { getDb } from "@/server/db";
import {
  EVALUATION_OUTPUT_SELECT,
  evaluationOutputOf,
  ZEvaluationOutput,
} from "@/server/services/evaluation/evaluation-output";
import { findModelOrThrow } from "@/server/services/model/find-model";

export const ZListEvaluationsInput = z.object({
  modelName: z.string().min(1),
  versionNumber: z.number().int().positive().optional(),
  goldenSetName: z.string().min(1).optional(),
});
export const ZListEvaluationsOutput = z.array(ZEvaluationOutput);

/** A model's evaluations, newest first, at most 200: the page and CI read the latest ones. */
export async function listEvaluations({
  teamId,
  modelName,
  versionNumber,
  goldenSetName,
}: z.output<typeof ZListEvaluationsInput> & { teamId: string }): Promise<
  z.output<typeof ZListEvaluationsOutput>
> {
  const model = await findModelOrThrow(teamId, modelName);
  const rows = await getDb().evaluation.findMany({
    where: {
      teamId,
      modelId: model.id,
      ...(versionNumber === undefined ? {} : { modelVersion: { number: versionNumber } }),
      ...(goldenSetName === undefined ? {} : { goldenSet: { name: goldenSetName } }),
    },
    orderBy: { number: "desc" },
    take: 200,
    select: EVALUATION_OUTPUT_SELECT,
  });
  return rows.map(evaluationOutputOf);
}
