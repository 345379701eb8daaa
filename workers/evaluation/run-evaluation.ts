import { createReadStream } from "node:fs";
import { UnrecoverableError } from "bullmq";
import { AppError } from "@/server/domain/app-error";
import { GoldenSetScorer, outputNamesFor } from "@/server/domain/evaluation/golden-set-scorer";
import {
  ZCsvEncoding,
  ZGoldenSetTask,
  type GoldenRow,
  type GoldenSetFormat,
} from "@/server/domain/evaluation/golden-set-spec";
import type { EvaluationMetrics } from "@/server/domain/evaluation/metric-names";
import { readGoldenSet } from "@/server/domain/evaluation/read-golden-set";
import { ZSignature } from "@/server/domain/signature";
import { getDb } from "@/server/db";
import { emitWebhookEvent } from "@/server/services/webhook/emit-webhook-event";
import { queueWebhookDeliveries } from "@/server/services/webhook/queue-webhook-deliveries";
import type { Logger } from "@/server/logger";
import { ArtifactUnavailableError, type ArtifactCache } from "@/workers/runtime/artifact-cache";
import type { SessionCache } from "@/workers/runtime/session-cache";

/** Rows per sessions.run call: the runner merges them into one session run. */
const ROWS_PER_RUN = 256;

export interface EvaluationRuntime {
  artifacts: ArtifactCache;
  sessions: SessionCache;
  hostName: string;
  log: Logger;
}

/**
 * Runs one evaluation and writes its outcome to its row. Idempotent: a finished row is left as
 * it is, and a retried one (its worker died) starts over. A failure that trying again cannot
 * fix (a bad row, a model that cannot read the set) fails the row at once, naming the problem;
 * others are thrown for BullMQ to retry, and fail the row on the last attempt.
 */
export async function runEvaluation(
  evaluationId: string,
  runtime: EvaluationRuntime,
  { lastAttempt }: { lastAttempt: boolean },
): Promise<void> {
  const db = getDb();
  const evaluation = await db.evaluation.findUnique({
    where: { id: evaluationId },
    include: {
      modelVersion: { select: { artifactSha256: true, signature: true, number: true } },
      goldenSet: true,
      model: { select: { name: true } },
    },
  });
  if (!evaluation) throw new UnrecoverableError(`evaluation ${evaluationId} does not exist`);
  if (evaluation.status === "succeeded" || evaluation.status === "failed") return;
  const startedAt = new Date();
  await db.evaluation.update({
    where: { id: evaluationId },
    data: { status: "running", startedAt, hostName: runtime.hostName, error: null },
  });
  const finish = (outcome: Outcome) => recordFinished({ ...evaluation, startedAt }, outcome);
  try {
    await finish({ status: "succeeded", metrics: await score(evaluation, runtime) });
  } catch (error) {
    const permanent = isPermanent(error);
    if (!permanent && !lastAttempt) throw error;
    await finish({ status: "failed", error: failureMessage(error, runtime.log, evaluationId) });
    throw permanent ? new UnrecoverableError((error as Error).message) : error;
  }
}

type Outcome = { status: "succeeded"; metrics: EvaluationMetrics } | { status: "failed"; error: string };

/**
 * The outcome on the row and the evaluation.finished webhook event in one transaction, the
 * event's deliveries queued after it commits.
 */
async function recordFinished(
  evaluation: {
    id: string;
    teamId: string;
    number: number;
    startedAt: Date;
    model: { name: string };
    modelVersion: { number: number };
    goldenSet: { name: string };
  },
  outcome: Outcome,
): Promise<void> {
  const finishedAt = new Date();
  const metrics = outcome.status === "succeeded" ? outcome.metrics : {};
  const error = outcome.status === "failed" ? outcome.error : null;
  const deliveryIds = await getDb().$transaction(async (tx) => {
    await tx.evaluation.update({
      where: { id: evaluation.id },
      data: { status: outcome.status, finishedAt, ...(error === null ? { metrics } : { error }) },
    });
    return emitWebhookEvent(tx, {
      teamId: evaluation.teamId,
      event: {
        type: "evaluation.finished",
        data: {
          modelName: evaluation.model.name,
          versionNumber: evaluation.modelVersion.number,
          evaluationNumber: evaluation.number,
          goldenSetName: evaluation.goldenSet.name,
          status: outcome.status,
          metrics,
          error,
          startedAt: evaluation.startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
        },
      },
    });
  });
  await queueWebhookDeliveries(deliveryIds);
}

async function score(
  evaluation: {
    modelVersion: { artifactSha256: string; signature: unknown };
    goldenSet: { format: GoldenSetFormat; task: unknown; csvEncoding: unknown; artifactSha256: string };
  },
  { artifacts, sessions }: EvaluationRuntime,
): Promise<EvaluationMetrics> {
  const { goldenSet, modelVersion } = evaluation;
  const task = ZGoldenSetTask.parse(goldenSet.task);
  const spec = {
    format: goldenSet.format,
    task,
    csvEncoding: goldenSet.csvEncoding === null ? null : ZCsvEncoding.parse(goldenSet.csvEncoding),
  };
  // Checked against this version's signature: a set uploaded for another version's inputs fails here.
  const setPath = await artifacts.pathFor(goldenSet.artifactSha256);
  const rows = await readGoldenSet(createReadStream(setPath), spec, ZSignature.parse(modelVersion.signature));
  const scorer = new GoldenSetScorer(task);
  const key = { artifactSha256: modelVersion.artifactSha256, device: "cpu" as const };
  for (let start = 0; start < rows.length; start += ROWS_PER_RUN) {
    const chunk = rows.slice(start, start + ROWS_PER_RUN);
    const outcome = await sessions.run(
      key,
      chunk.map((row, index) => requestOf(task, row, start + index)),
    );
    outcome.results.forEach((result, index) => {
      const row = chunk[index]!;
      if (!result.ok) throw new AppError("UNPROCESSABLE", `${row.where}: the model failed: ${result.error}`);
      scorer.add(row, result.outputs);
    });
  }
  return scorer.metrics();
}

function requestOf(task: Parameters<typeof outputNamesFor>[0], row: GoldenRow, index: number) {
  return { requestId: String(index), inputs: row.inputs, outputNames: outputNamesFor(task, row) };
}

function isPermanent(error: unknown): boolean {
  return error instanceof AppError || (error instanceof ArtifactUnavailableError && !error.retryable);
}

/** What the row and the API show: the problem when it is the caller's to fix, else where to look. */
function failureMessage(error: unknown, log: Logger, evaluationId: string): string {
  if (error instanceof AppError || error instanceof ArtifactUnavailableError) return error.message;
  log.error({ err: error, evaluationId }, "evaluation failed");
  return `internal error on the evaluation worker; its log has the details (evaluation ${evaluationId})`;
}
