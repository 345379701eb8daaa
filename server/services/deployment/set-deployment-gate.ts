import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { findGoldenSetOrThrow } from "@/server/services/golden-set/find-golden-set";

export const ZDeploymentGate = z.object({
  /** When true, a promotion must pass the gate on the golden set, or be overridden with a reason. */
  required: z.boolean(),
  /** One of the deployed model's golden sets; null only while the gate is not required. */
  goldenSetName: z.string().min(1).nullable(),
  /** How much worse than production any metric may be, absolute, in the metric's own unit. */
  margin: z.number().finite().min(0),
});
export type DeploymentGate = z.output<typeof ZDeploymentGate>;

export const ZSetDeploymentGateInput = z.object({ name: z.string().min(1), gate: ZDeploymentGate });
export const ZSetDeploymentGateOutput = ZDeploymentGate;
export type SetDeploymentGateOptions = z.output<typeof ZSetDeploymentGateInput> & {
  teamId: string;
  actor: string;
};

/** The gate settings of a deployment row, by golden set name. */
export function gateOf(deployment: {
  gateRequired: boolean;
  gateMargin: number;
  gateGoldenSet: { name: string } | null;
}): DeploymentGate {
  return {
    required: deployment.gateRequired,
    goldenSetName: deployment.gateGoldenSet?.name ?? null,
    margin: deployment.gateMargin,
  };
}

/** Gateways do not read the gate: unlike other settings, changing it announces nothing. */
export async function setDeploymentGate({
  teamId,
  actor,
  name,
  gate,
}: SetDeploymentGateOptions): Promise<DeploymentGate> {
  if (gate.required && gate.goldenSetName === null)
    throw new AppError("BAD_REQUEST", "gate.goldenSetName: a required gate needs the golden set it checks");
  return getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Deployment" WHERE "teamId" = ${teamId} AND name = ${name} FOR UPDATE`;
    const deployment = await findDeploymentOrThrow(teamId, name, tx);
    const goldenSet =
      gate.goldenSetName === null
        ? null
        : await findGoldenSetOrThrow(deployment.model, gate.goldenSetName, tx);
    const before = await tx.deployment.findUniqueOrThrow({
      where: { id: deployment.id },
      select: { gateRequired: true, gateMargin: true, gateGoldenSet: { select: { name: true } } },
    });
    await tx.deployment.update({
      where: { id: deployment.id },
      data: { gateRequired: gate.required, gateGoldenSetId: goldenSet?.id ?? null, gateMargin: gate.margin },
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "deployment.setGate",
      targetType: "deployment",
      targetId: deployment.id,
      before: gateOf(before),
      after: gate,
    });
    return gate;
  });
}
