import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { decisionProblem, STATUS_AFTER } from "@/server/domain/traffic/promotion-approval";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { changeTraffic } from "@/server/services/deployment/change-traffic";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import {
  PROMOTION_REQUEST_SELECT,
  promotionRequestNotFound,
  type PromotionRequestOutput,
} from "@/server/services/deployment/promotion-request-output";
import { ZGateOverride } from "@/server/services/evaluation/check-promotion-gate";

export const ZDecidePromotionRequestInput = z.object({
  name: z.string().min(1),
  requestNumber: z.number().int().positive(),
  decision: z.enum(["approve", "reject", "withdraw"]),
  note: z.string().trim().max(2000).default(""),
  /** An approval past a failing evaluation gate, recorded with its reason. */
  override: ZGateOverride.optional(),
});
export type DecidePromotionRequestOptions = z.output<typeof ZDecidePromotionRequestInput> & {
  teamId: string;
  actor: string;
};

/**
 * Approving applies the promotion (a new revision, through the evaluation gate) and marks the
 * request approved in the same transaction; rejecting or withdrawing only closes the request.
 */
export async function decidePromotionRequest(
  options: DecidePromotionRequestOptions,
): Promise<PromotionRequestOutput> {
  const { teamId, actor, name, requestNumber, decision, note, override } = options;
  if (decision === "approve") {
    const request = await findRequest(teamId, name, requestNumber);
    await changeTraffic({
      teamId,
      actor,
      name,
      change: { kind: "promote", versionNumber: request.versionNumber, override },
      approving: { requestNumber, note },
    });
    return (await findRequest(teamId, name, requestNumber)).output;
  }
  return getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Deployment" WHERE "teamId" = ${teamId} AND name = ${name} FOR UPDATE`;
    const { id, output } = await findRequest(teamId, name, requestNumber, tx);
    const problem = decisionProblem(output, decision, actor);
    if (problem) throw new AppError("CONFLICT", problem);
    const decided = await tx.promotionRequest.update({
      where: { id },
      data: { status: STATUS_AFTER[decision], decidedBy: actor, decidedAt: new Date(), decisionNote: note },
      select: { ...PROMOTION_REQUEST_SELECT, deploymentId: true },
    });
    const { deploymentId, ...request } = decided;
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: `deployment.${decision}PromotionRequest`,
      targetType: "deployment",
      targetId: deploymentId,
      before: { request: { number: request.number, status: output.status } },
      after: { request: { number: request.number, status: request.status, note } },
    });
    return request;
  });
}

async function findRequest(
  teamId: string,
  name: string,
  number: number,
  client: Parameters<typeof findDeploymentOrThrow>[2] = getDb(),
) {
  const deployment = await findDeploymentOrThrow(teamId, name, client);
  const found = await client.promotionRequest.findUnique({
    where: { deploymentId_number: { deploymentId: deployment.id, number } },
    select: { ...PROMOTION_REQUEST_SELECT, id: true },
  });
  if (!found) throw promotionRequestNotFound(name, number);
  const { id, ...output } = found;
  return { id, versionNumber: output.versionNumber, output };
}
