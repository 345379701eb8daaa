import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { EVALUATION_JOB_OPTIONS, EVALUATION_JOB_SCHEMA_VERSION } from "@/server/contracts/evaluation";
import { REDIS_COMMAND_TIMEOUT_MS } from "@/server/contracts/redis-connections";
import { getDb } from "@/server/db";
import { getLogger } from "@/server/logger";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  EVALUATION_OUTPUT_SELECT,
  evaluationOutputOf,
  ZEvaluationOutput,
  type EvaluationOutput,
} from "@/server/services/evaluation/evaluation-output";
import { getEvaluationQueue } from "@/server/services/evaluation/evaluation-queue";
import { findGoldenSetOrThrow } from "@/server/services/golden-set/find-golden-set";
import { findModelOrThrow } from "@/server/services/model/find-model";
import { modelVersionNotFound } from "@/server/services/model/get-model-version";

export const ZStartEvaluationInput = z.object({
  modelName: z.string().min(1),
  versionNumber: z.number().int().positive(),
  goldenSetName: z.string().min(1),
});
export type StartEvaluationOptions = z.output<typeof ZStartEvaluationInput> & {
  teamId: string;
  actor: string;
};
export const ZStartEvaluationOutput = ZEvaluationOutput;

/**
 * Records a queued evaluation (numbered per model) with its audit event, then queues its job
 * after the commit, so a worker never picks up a row that is not there. When Redis does not take
 * the job the row is marked failed, saying why, and the caller gets a 503 to try again.
 */
export async function startEvaluation({
  teamId,
  actor,
  modelName,
  versionNumber,
  goldenSetName,
}: StartEvaluationOptions): Promise<EvaluationOutput> {
  const model = await findModelOrThrow(teamId, modelName);
  const db = getDb();
  const version = await db.modelVersion.findUnique({
    where: { modelId_number: { modelId: model.id, number: versionNumber } },
    select: { id: true },
  });
  if (!version) throw modelVersionNotFound(modelName, versionNumber);
  const goldenSet = await findGoldenSetOrThrow(model, goldenSetName);

  const created = await db.$transaction(async (tx) => {
    // Row lock on the model serializes concurrent starts so evaluation numbers stay dense.
    await tx.$queryRaw`SELECT id FROM "Model" WHERE id = ${model.id} FOR UPDATE`;
    const latest = await tx.evaluation.aggregate({ where: { modelId: model.id }, _max: { number: true } });
    const evaluation = await tx.evaluation.create({
      data: {
        teamId,
        modelId: model.id,
        number: (latest._max.number ?? 0) + 1,
        modelVersionId: version.id,
        goldenSetId: goldenSet.id,
        createdBy: actor,
      },
      select: { id: true, ...EVALUATION_OUTPUT_SELECT },
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "evaluation.start",
      targetType: "evaluation",
      targetId: evaluation.id,
      before: null,
      after: { number: evaluation.number, modelName, versionNumber, goldenSetName },
    });
    return evaluation;
  });

  try {
    await queueJob(created.id);
  } catch (error) {
    getLogger().warn({ err: error, evaluationId: created.id }, "could not queue an evaluation");
    const reason = "Redis did not take the job; start the evaluation again";
    await db.evaluation.update({
      where: { id: created.id },
      data: { status: "failed", error: reason, finishedAt: new Date() },
    });
    throw new AppError("UNAVAILABLE", `evaluation ${created.number} was not queued: ${reason}`, {
      retryAfterSeconds: 5,
    });
  }
  const { id: _id, ...output } = created;
  return evaluationOutputOf(output);
}

async function queueJob(evaluationId: string): Promise<void> {
  const queue = getEvaluationQueue();
  // The producer profile fails at once while disconnected: the first call of a fresh process
  // waits for the connection, bounded so a Redis that is down answers 503 quickly.
  await Promise.race([
    queue.waitUntilReady(),
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error("Redis is not reachable")), 2 * REDIS_COMMAND_TIMEOUT_MS).unref(),
    ),
  ]);
  await queue.add(
    "evaluate",
    { schemaVersion: EVALUATION_JOB_SCHEMA_VERSION, evaluationId },
    { ...EVALUATION_JOB_OPTIONS, jobId: evaluationId },
  );
}
