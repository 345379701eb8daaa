import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { AppError } from "@/server/domain/app-error";
import { ZCanaryAnalysisSettings } from "@/server/domain/traffic/canary-analysis";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import type { CanaryStep } from "@/server/services/canary/canary-analysis-output";
import { changeTraffic } from "@/server/services/deployment/change-traffic";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { isUniqueViolation } from "@/server/services/prisma-errors";

export const ZStartCanaryAnalysisInput = z.object({
  name: z.string().min(1),
  versionNumber: z.number().int().positive(),
  settings: ZCanaryAnalysisSettings.default(ZCanaryAnalysisSettings.parse({})),
});

/**
 * Starts an automated canary: the version takes stepPercent of the traffic at once (a revision
 * like any canary), and the monitor judges it every interval against the version that served
 * most until then. One analysis runs on a deployment at a time.
 */
export async function startCanaryAnalysis({
  teamId,
  actor,
  name,
  versionNumber,
  settings,
}: z.output<typeof ZStartCanaryAnalysisInput> & { teamId: string; actor: string }) {
  const db = getDb();
  const deployment = await findDeploymentOrThrow(teamId, name);
  const running = await db.canaryAnalysis.findFirst({
    where: { deploymentId: deployment.id, status: "running" },
  });
  if (running)
    throw new AppError("CONFLICT", `deployment '${name}' already runs a canary analysis; stop it first`);
  const stable = [...deployment.activeRevision.target.weights].sort((a, b) => b.weight - a.weight)[0]!;
  if (stable.versionNumber === versionNumber)
    throw new AppError(
      "BAD_REQUEST",
      `v${versionNumber} is the version that serves '${name}' now; analyse another one`,
    );
  const canary = await db.modelVersion.findUnique({
    where: { modelId_number: { modelId: deployment.modelId, number: versionNumber } },
    select: { id: true },
  });
  if (!canary)
    throw new AppError("NOT_FOUND", `the model of deployment '${name}' has no version ${versionNumber}`);
  await changeTraffic({
    teamId,
    actor,
    name,
    change: { kind: "canary", versionNumber, weightPercent: settings.stepPercent },
  });
  const startedAt = new Date();
  const step: CanaryStep = {
    at: startedAt,
    decision: "start",
    weightPercent: settings.stepPercent,
    canary: null,
    stable: null,
    checks: [],
    note: `v${versionNumber} takes ${settings.stepPercent}%; judged against v${stable.versionNumber} every ${settings.intervalMinutes} min`,
  };
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.canaryAnalysis.create({
        data: {
          teamId,
          deploymentId: deployment.id,
          canaryVersionId: canary.id,
          stableVersionId: stable.versionId,
          settings: settings as Prisma.InputJsonValue,
          weightPercent: settings.stepPercent,
          lastCheckedAt: startedAt,
          steps: [step] as unknown as Prisma.InputJsonValue,
          createdBy: actor,
        },
        select: { id: true },
      });
      await recordAuditEvent(tx, {
        teamId,
        actor,
        action: "deployment.startCanaryAnalysis",
        targetType: "deployment",
        targetId: deployment.id,
        before: null,
        after: { canaryVersion: versionNumber, stableVersion: stable.versionNumber, settings },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError("CONFLICT", `deployment '${name}' already runs a canary analysis; stop it first`);
    throw error;
  }
}
