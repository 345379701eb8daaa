import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { describeGateFailures, gateFailures, type GateFailure } from "@/server/domain/evaluation/gate";
import { ZEvaluationMetrics, type EvaluationMetrics } from "@/server/domain/evaluation/metric-names";
import type { RevisionTarget } from "@/server/domain/traffic/revision-target";
import type { Prisma } from "@/generated/prisma/client";

/** Lets a promotion the gate refuses through; the reason goes into the audit event. */
export const ZGateOverride = z.object({ reason: z.string().trim().min(1).max(2000) });
export type GateOverride = z.output<typeof ZGateOverride>;

interface GatedDeployment {
  name: string;
  modelId: string;
  gateRequired: boolean;
  gateGoldenSetId: string | null;
  gateMargin: number;
}

type Measured = { versionNumber: number; evaluationNumber: number; metrics: EvaluationMetrics } | null;

/** What the promotion's audit event keeps of the gate. */
export interface GateRecord {
  goldenSetName: string;
  margin: number;
  candidate: Measured;
  production: Measured;
  failures: GateFailure[];
  passed: boolean;
  override: GateOverride | null;
}

/**
 * The evaluation gate of a promotion, inside its transaction: null when the deployment does not
 * require it. Compares the candidate's latest succeeded evaluation on the gate's golden set with
 * that of the version serving most of the traffic now; refuses (CONFLICT, naming each failing
 * metric and both values) when a metric is worse by more than the margin or an evaluation is
 * missing, unless `override` gives a reason.
 */
export async function checkPromotionGate(
  tx: Prisma.TransactionClient,
  {
    deployment,
    current,
    versionNumber,
    override,
  }: { deployment: GatedDeployment; current: RevisionTarget; versionNumber: number; override?: GateOverride },
): Promise<GateRecord | null> {
  if (!deployment.gateRequired || deployment.gateGoldenSetId === null) return null;
  const goldenSet = await tx.goldenSet.findUniqueOrThrow({ where: { id: deployment.gateGoldenSetId } });
  const production = current.weights
    .filter((entry) => entry.versionNumber !== versionNumber)
    .reduce<RevisionTarget["weights"][number] | null>(
      (top, entry) => (top && top.weight >= entry.weight ? top : entry),
      null,
    );
  const candidateVersion = await tx.modelVersion.findUniqueOrThrow({
    where: { modelId_number: { modelId: deployment.modelId, number: versionNumber } },
    select: { id: true },
  });
  const latest = async (versionId: string, number: number): Promise<Measured> => {
    const found = await tx.evaluation.findFirst({
      where: { modelVersionId: versionId, goldenSetId: goldenSet.id, status: "succeeded" },
      orderBy: { number: "desc" },
      select: { number: true, metrics: true },
    });
    return (
      found && {
        versionNumber: number,
        evaluationNumber: found.number,
        metrics: ZEvaluationMetrics.parse(found.metrics),
      }
    );
  };
  const candidate = await latest(candidateVersion.id, versionNumber);
  const baseline = production && (await latest(production.versionId, production.versionNumber));

  const problems: string[] = [];
  let failures: GateFailure[] = [];
  const onSet = `on golden set '${goldenSet.name}'`;
  if (!candidate) problems.push(`v${versionNumber} has no succeeded evaluation ${onSet}`);
  if (production && !baseline)
    problems.push(`the production version v${production.versionNumber} has no succeeded evaluation ${onSet}`);
  if (candidate && baseline) {
    failures = gateFailures(candidate.metrics, baseline.metrics, deployment.gateMargin);
    if (failures.length > 0)
      problems.push(
        `${onSet} it is worse than v${baseline.versionNumber} by more than the margin ${deployment.gateMargin}: ` +
          describeGateFailures(failures, `v${baseline.versionNumber}`),
      );
  }
  const record: GateRecord = {
    goldenSetName: goldenSet.name,
    margin: deployment.gateMargin,
    candidate,
    production: baseline ?? null,
    failures,
    passed: problems.length === 0,
    override: null,
  };
  if (record.passed) return record;
  // Sign-in (issue 11) will check here that the actor is an admin of the team; until then any
  // caller may override, and the audit event records who did and why.
  if (override) return { ...record, override };
  throw new AppError(
    "CONFLICT",
    `the evaluation gate of deployment '${deployment.name}' refuses promoting v${versionNumber}: ` +
      `${problems.join("; ")}. An admin may override with a reason`,
  );
}
