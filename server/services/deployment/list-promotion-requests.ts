import { z } from "zod";
import { getDb } from "@/server/db";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import {
  PROMOTION_REQUEST_SELECT,
  ZPromotionRequestOutput,
} from "@/server/services/deployment/promotion-request-output";

export const ZListPromotionRequestsInput = z.object({
  name: z.string().min(1),
  limit: z.number().int().min(1).max(100).default(20),
});
export const ZListPromotionRequestsOutput = z.array(ZPromotionRequestOutput);

/** A deployment's promotion requests, pending first, then newest first. */
export async function listPromotionRequests({
  teamId,
  name,
  limit,
}: z.output<typeof ZListPromotionRequestsInput> & { teamId: string }) {
  const deployment = await findDeploymentOrThrow(teamId, name);
  const requests = await getDb().promotionRequest.findMany({
    where: { deploymentId: deployment.id },
    orderBy: { number: "desc" },
    take: limit,
    select: PROMOTION_REQUEST_SELECT,
  });
  return [
    ...requests.filter((r) => r.status === "pending"),
    ...requests.filter((r) => r.status !== "pending"),
  ];
}
