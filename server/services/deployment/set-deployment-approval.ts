import { z } from "zod";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";

export const ZSetDeploymentApprovalInput = z.object({ name: z.string().min(1), required: z.boolean() });
export const ZSetDeploymentApprovalOutput = z.object({ approvalRequired: z.boolean() });

/** Turns four eyes on or off for a deployment's promotions. Pending requests stay decidable. */
export async function setDeploymentApproval({
  teamId,
  actor,
  name,
  required,
}: z.output<typeof ZSetDeploymentApprovalInput> & { teamId: string; actor: string }) {
  return getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Deployment" WHERE "teamId" = ${teamId} AND name = ${name} FOR UPDATE`;
    const deployment = await findDeploymentOrThrow(teamId, name, tx);
    await tx.deployment.update({ where: { id: deployment.id }, data: { approvalRequired: required } });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "deployment.setApproval",
      targetType: "deployment",
      targetId: deployment.id,
      before: { approvalRequired: deployment.approvalRequired },
      after: { approvalRequired: required },
    });
    return { approvalRequired: required };
  });
}
