/**
 * Four eyes on production: on a deployment that requires approval, a promotion applies only as a
 * pending request approved by someone other than its requester. The requester may withdraw it;
 * anyone else may reject it. Decided requests stay as they were decided.
 */

export type PromotionDecision = "approve" | "reject" | "withdraw";
export type PromotionRequestStatus = "pending" | "approved" | "rejected" | "withdrawn";

export interface DecidedRequest {
  number: number;
  status: PromotionRequestStatus;
  requestedBy: string;
  decidedBy: string | null;
}

/** The status each decision leaves a request in. */
export const STATUS_AFTER: Record<PromotionDecision, Exclude<PromotionRequestStatus, "pending">> = {
  approve: "approved",
  reject: "rejected",
  withdraw: "withdrawn",
};

/** Why `actor` may not make `decision` on the request, as a sentence; null when they may. */
export function decisionProblem(
  request: DecidedRequest,
  decision: PromotionDecision,
  actor: string,
): string | null {
  const name = `promotion request #${request.number}`;
  if (request.status !== "pending")
    return `${name} was already ${request.status}${request.decidedBy ? ` by ${request.decidedBy}` : ""}`;
  const ownRequest = request.requestedBy === actor;
  if (decision === "approve" && ownRequest)
    return `${name} needs a second person to approve it: ${actor} requested it`;
  if (decision === "reject" && ownRequest) return `${name} is your own request: withdraw it instead`;
  if (decision === "withdraw" && !ownRequest)
    return `only ${request.requestedBy}, who requested ${name}, can withdraw it; reject it instead`;
  return null;
}

/** What refuses a direct promotion on a deployment that requires approval. */
export function approvalRequiredProblem(deploymentName: string): string {
  return (
    `deployment '${deploymentName}' requires approval for promotions: ` +
    "request one, and another person approves it"
  );
}
