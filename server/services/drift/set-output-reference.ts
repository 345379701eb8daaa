import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZDriftSettings } from "@/server/domain/drift/drift-settings";
import { canBeOutputReference } from "@/server/domain/drift/output-drift";
import { OutputWindow } from "@/server/domain/drift/output-window";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { ZOutputReferenceWindow } from "@/server/services/drift/drift-report-body";
import { foldPredictionSamples } from "@/server/services/drift/fold-prediction-samples";
import { rowOf } from "@/server/services/drift/output-reference";

/** As long as a drift window may be: a longer period is folded for nothing the tests would use. */
const MAX_REFERENCE_MS = 7 * 24 * 60 * 60_000;

export const ZSetOutputReferenceInput = z
  .object({
    name: z.string().min(1),
    versionNumber: z.number().int().min(1),
    windowStartMs: z.number({ error: "the reference window's start must be a time in ms" }).int(),
    windowEndMs: z.number({ error: "the reference window's end must be a time in ms" }).int(),
  })
  .refine((input) => input.windowEndMs > input.windowStartMs, {
    message: "the reference window must end after it starts",
    path: ["windowEndMs"],
  })
  .refine((input) => input.windowEndMs - input.windowStartMs <= MAX_REFERENCE_MS, {
    message: "the reference window can be at most 7 days long",
    path: ["windowEndMs"],
  });

export const ZSetOutputReferenceOutput = ZOutputReferenceWindow.extend({
  versionNumber: z.number().int(),
  /** The output columns the window held, in order. */
  outputs: z.array(z.string()),
});

/**
 * Makes a period of a version's logged traffic on a deployment the reference its outputs are
 * judged against ("use this period as reference"), replacing the first window the monitor chose.
 * Reports from then on use it; earlier ones stay as they were judged.
 */
export async function setOutputReference({
  teamId,
  actor,
  name,
  versionNumber,
  windowStartMs,
  windowEndMs,
}: z.output<typeof ZSetOutputReferenceInput> & { teamId: string; actor: string }): Promise<
  z.output<typeof ZSetOutputReferenceOutput>
> {
  const db = getDb();
  const deployment = await findDeploymentOrThrow(teamId, name);
  const version = await db.modelVersion.findUnique({
    where: { modelId_number: { modelId: deployment.modelId, number: versionNumber } },
    select: { id: true },
  });
  if (!version)
    throw new AppError("NOT_FOUND", `model '${deployment.model.name}' has no version ${versionNumber}`);
  const settings = ZDriftSettings.parse(deployment.driftSettings);
  const window = new OutputWindow();
  await foldPredictionSamples(
    {
      deploymentId: deployment.id,
      modelVersionId: version.id,
      createdAt: { gte: new Date(windowStartMs), lt: new Date(windowEndMs) },
    },
    { inputs: null, outputs: window },
  );
  if (!canBeOutputReference(window, settings))
    throw new AppError(
      "BAD_REQUEST",
      `the window holds ${window.rowCount} logged output rows of v${versionNumber} on '${name}'; ` +
        `a reference needs at least ${settings.minSampleCount} (the drift settings' minimum sample count)`,
    );
  const pair = { teamId, deploymentId: deployment.id, modelVersionId: version.id };
  const row = rowOf(pair, { windowStartMs, windowEndMs, window });
  const result = {
    versionNumber,
    windowStartMs,
    windowEndMs,
    rowCount: window.rowCount,
    outputs: window.columnNames(),
  };
  await db.$transaction(async (tx) => {
    const unique = {
      deploymentId_modelVersionId: { deploymentId: deployment.id, modelVersionId: version.id },
    };
    const before = await tx.outputReference.findUnique({
      where: unique,
      select: { windowStart: true, windowEnd: true, rowCount: true },
    });
    await tx.outputReference.upsert({ where: unique, create: row, update: row });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "deployment.setOutputReference",
      targetType: "deployment",
      targetId: deployment.id,
      before: before && { versionNumber, ...before },
      after: {
        versionNumber,
        windowStart: row.windowStart,
        windowEnd: row.windowEnd,
        rowCount: row.rowCount,
      },
    });
  });
  return result;
}
