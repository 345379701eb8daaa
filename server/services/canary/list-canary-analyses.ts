import { z } from "zod";
import { ZCanaryAnalysisSettings } from "@/server/domain/traffic/canary-analysis";
import { getDb } from "@/server/db";
import { ZCanaryAnalysisOutput, ZCanaryStep } from "@/server/services/canary/canary-analysis-output";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";

export const ZListCanaryAnalysesInput = z.object({ name: z.string().min(1) });
export const ZListCanaryAnalysesOutput = z.array(ZCanaryAnalysisOutput);

/** A deployment's canary analyses, newest first, numbered from 1 in the order they started. */
export async function listCanaryAnalyses({ teamId, name }: { teamId: string; name: string }) {
  const deployment = await findDeploymentOrThrow(teamId, name);
  const rows = await getDb().canaryAnalysis.findMany({
    where: { deploymentId: deployment.id },
    orderBy: { createdAt: "asc" },
    include: { canaryVersion: { select: { number: true } }, stableVersion: { select: { number: true } } },
  });
  return rows
    .map((row, index) => ({
      number: index + 1,
      status: row.status,
      canaryVersionNumber: row.canaryVersion.number,
      stableVersionNumber: row.stableVersion.number,
      weightPercent: row.weightPercent,
      settings: ZCanaryAnalysisSettings.parse(row.settings),
      reason: row.reason,
      createdBy: row.createdBy,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      steps: ZCanaryStep.array().parse(row.steps),
    }))
    .reverse();
}
