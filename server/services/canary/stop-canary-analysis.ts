import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";

export const ZStopCanaryAnalysisInput = z.object({ name: z.string().min(1) });

/** Stops a deployment's running analysis; the traffic stays as the last step left it. */
export async function stopCanaryAnalysis({
  teamId,
  actor,
  name,
}: {
  teamId: string;
  actor: string;
  name: string;
}) {
  const deployment = await findDeploymentOrThrow(teamId, name);
  return getDb().$transaction(async (tx) => {
    const running = await tx.canaryAnalysis.findFirst({
      where: { deploymentId: deployment.id, status: "running" },
    });
    if (!running) throw new AppError("NOT_FOUND", `deployment '${name}' runs no canary analysis`);
    await tx.canaryAnalysis.update({
      where: { id: running.id },
      data: { status: "stopped", reason: `stopped by ${actor}; traffic stays at ${running.weightPercent}%` },
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "deployment.stopCanaryAnalysis",
      targetType: "deployment",
      targetId: deployment.id,
      before: { status: "running", weightPercent: running.weightPercent },
      after: { status: "stopped" },
    });
    return { stopped: true };
  });
}
