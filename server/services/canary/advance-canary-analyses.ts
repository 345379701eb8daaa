import type { Prisma } from "@/generated/prisma/client";
import {
  ZCanaryAnalysisSettings,
  decideCanaryStep,
  type CanaryDecision,
} from "@/server/domain/traffic/canary-analysis";
import { getDb } from "@/server/db";
import { getLogger } from "@/server/logger";
import { canaryFigures } from "@/server/services/canary/canary-figures";
import { ZCanaryStep, type CanaryStep } from "@/server/services/canary/canary-analysis-output";
import { changeTraffic, type TrafficChange } from "@/server/services/deployment/change-traffic";

/** Who the revisions of an automated canary are recorded as. */
export const CANARY_ANALYSIS_ACTOR = "canary-analysis";
const MINUTE_MS = 60_000;

type Status = "running" | "paused" | "promoted" | "rolledBack" | "failed";

/**
 * The monitor's canary tick: every running analysis whose interval has passed is judged on the
 * interval's figures, and its decision applied as a traffic change (a revision by
 * "canary-analysis"): a step up, the promotion, or the rollback to the stable version at 100%.
 * A change the deployment refuses (it requires approval, the gate fails) pauses or fails the
 * analysis with the refusal as its reason; the traffic stays as it was.
 */
export async function advanceCanaryAnalyses({
  nowMs = Date.now(),
}: { nowMs?: number } = {}): Promise<number> {
  const db = getDb();
  const running = await db.canaryAnalysis.findMany({
    where: { status: "running" },
    include: {
      deployment: { select: { id: true, name: true, teamId: true, modelId: true, qualityTask: true } },
      canaryVersion: { select: { number: true } },
      stableVersion: { select: { number: true } },
    },
  });
  let advanced = 0;
  for (const analysis of running) {
    const settings = ZCanaryAnalysisSettings.parse(analysis.settings);
    const fromMs = analysis.lastCheckedAt.getTime();
    if (nowMs - fromMs < settings.intervalMinutes * MINUTE_MS) continue;
    const figures = await canaryFigures({
      deployment: analysis.deployment,
      versionIds: [analysis.canaryVersionId, analysis.stableVersionId],
      fromMs,
      toMs: nowMs,
    });
    const canary = figures.get(analysis.canaryVersionId)!;
    const stable = figures.get(analysis.stableVersionId)!;
    const decision = decideCanaryStep({
      weightPercent: analysis.weightPercent,
      canary,
      stable,
      settings,
      inconclusiveSoFar: analysis.inconclusiveCount,
    });
    const versions = { canary: analysis.canaryVersion.number, stable: analysis.stableVersion.number };
    const outcome = await apply(analysis.deployment, decision, versions);
    const step: CanaryStep = {
      at: new Date(nowMs),
      decision: outcome.failed ? (outcome.status === "failed" ? "failed" : "paused") : stepKind(decision),
      weightPercent: decision.kind === "step" ? decision.weightPercent : analysis.weightPercent,
      canary,
      stable,
      checks: "checks" in decision ? decision.checks : [],
      note: outcome.note,
    };
    const steps = [...ZCanaryStep.array().parse(analysis.steps), step];
    await db.canaryAnalysis.update({
      where: { id: analysis.id },
      data: {
        status: outcome.status,
        weightPercent: step.weightPercent,
        inconclusiveCount: decision.kind === "inconclusive" ? analysis.inconclusiveCount + 1 : 0,
        lastCheckedAt: new Date(nowMs),
        steps: steps as unknown as Prisma.InputJsonValue,
        reason: outcome.status === "running" ? "" : outcome.note,
      },
    });
    advanced++;
  }
  return advanced;
}

function stepKind(decision: CanaryDecision): CanaryStep["decision"] {
  if (decision.kind === "inconclusive") return decision.pause ? "paused" : "inconclusive";
  return decision.kind;
}

async function apply(
  deployment: { name: string; teamId: string },
  decision: CanaryDecision,
  versions: { canary: number; stable: number },
): Promise<{ status: Status; note: string; failed?: boolean }> {
  const change = changeOf(decision, versions);
  if (decision.kind === "inconclusive")
    return {
      status: decision.pause ? "paused" : "running",
      note: decision.pause ? `paused: ${decision.reason}, interval after interval` : decision.reason,
    };
  try {
    await changeTraffic({
      teamId: deployment.teamId,
      actor: CANARY_ANALYSIS_ACTOR,
      name: deployment.name,
      change: change!,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    getLogger().warn(
      { component: "canary-analysis", deployment: deployment.name, err: error },
      "canary change refused",
    );
    // A refused rollback leaves the canary serving: a person must look. A refused step or promotion pauses.
    return {
      status: decision.kind === "rollback" ? "failed" : "paused",
      note: `the change was refused: ${message}`,
      failed: true,
    };
  }
  if (decision.kind === "step")
    return { status: "running", note: `v${versions.canary} to ${decision.weightPercent}%` };
  if (decision.kind === "promote")
    return {
      status: "promoted",
      note: `v${versions.canary} promoted to 100%: every check passed at the maximum weight`,
    };
  return { status: "rolledBack", note: `v${versions.stable} back to 100%: ${decision.reason}` };
}

function changeOf(
  decision: CanaryDecision,
  versions: { canary: number; stable: number },
): TrafficChange | null {
  switch (decision.kind) {
    case "step":
      return { kind: "canary", versionNumber: versions.canary, weightPercent: decision.weightPercent };
    case "promote":
      return { kind: "promote", versionNumber: versions.canary };
    case "rollback":
      return { kind: "weights", weights: [{ versionNumber: versions.stable, weight: 100 }] };
    case "inconclusive":
      return null;
  }
}
