import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import {
  EVALUATION_OUTPUT_SELECT,
  evaluationOutputOf,
  ZEvaluationOutput,
} from "@/server/services/evaluation/evaluation-output";
import { findModelOrThrow } from "@/server/services/model/find-model";

export const ZGetEvaluationInput = z.object({
  modelName: z.string().min(1),
  number: z.number().int().positive(),
});
export const ZGetEvaluationOutput = ZEvaluationOutput;

export async function getEvaluation({
  teamId,
  modelName,
  number,
}: z.output<typeof ZGetEvaluationInput> & { teamId: string }): Promise<
  z.output<typeof ZGetEvaluationOutput>
> {
  const model = await findModelOrThrow(teamId, modelName);
  const row = await getDb().evaluation.findUnique({
    where: { modelId_number: { modelId: model.id, number } },
    select: EVALUATION_OUTPUT_SELECT,
  });
  if (!row) throw new AppError("NOT_FOUND", `model '${modelName}' has no evaluation ${number}`);
  return evaluationOutputOf(row);
}
