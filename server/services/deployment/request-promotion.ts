import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { promoteTarget } from "@/server/domain/traffic/revision-changes";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import {
  PROMOTION_REQUEST_SELECT,
  type PromotionRequestOutput,
} from "@/server/services/deployment/promotion-request-output";

export const ZRequestPromotionInput = z.object({
  name: z.string().min(1),
  versionNumber: z.number().int().positive(),
  note: z.string().trim().max(2000).default(""),
});
export type RequestPromotionOptions = z.output<typeof ZRequestPromotionInput> & {
  teamId: string;
  actor: string;
};

/**
 * Asks for a promotion on a deployment that requires approval. One pending request per version:
 * a second would only split the reviewers' attention.
 */
export async function requestPromotion({
  teamId,
  actor,
  name,
  versionNumber,
  note,
}: RequestPromotionOptions): Promise<PromotionRequestOutput> {
  return getDb().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Deployment" WHERE "teamId" = ${teamId} AND name = ${name} FOR UPDATE`;
    const deployment = await findDeploymentOrThrow(teamId, name, tx);
    if (!deployment.approvalRequired)
      throw new AppError(
        "BAD_REQUEST",
        `deployment '${name}' does not require approval: promote v${versionNumber} directly`,
      );
    const version = await tx.modelVersion.findUnique({
      where: { modelId_number: { modelId: deployment.modelId, number: versionNumber } },
      select: { id: true },
    });
    if (!version)
      throw new AppError("NOT_FOUND", `the model of deployment '${name}' has no version ${versionNumber}`);
    // Refuses, as a direct promotion would, a version that already takes all the traffic.
    promoteTarget(deployment.activeRevision.target, { versionId: version.id, versionNumber });
    const pending = await tx.promotionRequest.findFirst({
      where: { deploymentId: deployment.id, versionNumber, status: "pending" },
      select: { number: true },
    });
    if (pending)
      throw new AppError(
        "CONFLICT",
        `promotion request #${pending.number} for v${versionNumber} of '${name}' is already waiting for a decision`,
      );
    const last = await tx.promotionRequest.findFirst({
      where: { deploymentId: deployment.id },
      orderBy: { number: "desc" },
      select: { number: true },
    });
    const request = await tx.promotionRequest.create({
      data: {
        teamId,
        deploymentId: deployment.id,
        number: (last?.number ?? 0) + 1,
        versionNumber,
        note,
        requestedBy: actor,
      },
      select: PROMOTION_REQUEST_SELECT,
    });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: "deployment.requestPromotion",
      targetType: "deployment",
      targetId: deployment.id,
      before: null,
      after: { request: { number: request.number, versionNumber, note } },
    });
    return request;
  });
}
