import type { z } from "zod";
import type { DeploymentEconomics, ZSetDeploymentEconomicsInput } from "@/server/contracts/monitoring-api";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { economicsOf } from "@/server/services/monitoring/get-deployment-charts";

export type SetDeploymentEconomicsOptions = z.output<typeof ZSetDeploymentEconomicsInput> & {
  teamId: string;
  actor: string;
};

/**
 * The target cost and the revenue per call the charts measure margins against. Bounds are in the
 * input schema, so a refused price changes nothing. Gateways do not read these: nothing announced.
 */
export async function setDeploymentEconomics({
  teamId,
  actor,
  name,
  economics,
}: SetDeploymentEconomicsOptions): Promise<DeploymentEconomics> {
  return getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Deployment" WHERE "teamId" = ${teamId} AND name = ${name} FOR UPDATE`;
    const deployment = await findDeploymentOrThrow(teamId, name, tx);
    const toBigInt = (value: number | null) => (value === null ? null : BigInt(value));
    await tx.deployment.update({
      where: { id: deployment.id },
      data: {
        targetCostMicrosPer1kCalls: toBigInt(economics.targetCostMicrosPer1kCalls),
        revenueMicrosPer1kCalls: toBigInt(economics.revenueMicrosPer1kCalls),
      },
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "deployment.setEconomics",
      targetType: "deployment",
      targetId: deployment.id,
      before: economicsOf(deployment),
      after: economics,
    });
    return economics;
  });
}
