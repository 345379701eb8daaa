import type { Action } from "@/server/domain/access/roles";

/**
 * The actions behind a traffic change (server/services/deployment/change-traffic.ts's
 * ZTrafficChange) and a decision on a promotion request. Typed by kind alone, so this stays pure
 * and the service's schema stays the one definition of a change.
 */
export type TrafficChangeKind =
  "promote" | "canary" | "weights" | "addShadow" | "removeShadow" | "rollback" | "restore";

const ACTION_BY_KIND: Record<TrafficChangeKind, Action> = {
  promote: "deployment.promote",
  canary: "deployment.canary",
  weights: "deployment.setWeights",
  addShadow: "deployment.shadow",
  removeShadow: "deployment.shadow",
  rollback: "deployment.rollback",
  restore: "deployment.restore",
};

/** A promotion past a failing gate is also an override of the gate. */
export function trafficChangeActions(change: { kind: TrafficChangeKind; override?: unknown }): Action[] {
  const action = ACTION_BY_KIND[change.kind];
  return change.override === undefined ? [action] : [action, "gate.override"];
}

/** Withdrawing is the requester's own business; approving or rejecting decides for the team. */
export function promotionDecisionActions(decision: {
  decision: "approve" | "reject" | "withdraw";
  override?: unknown;
}): Action[] {
  const action: Action = decision.decision === "withdraw" ? "promotion.withdraw" : "promotion.decide";
  return decision.override === undefined ? [action] : [action, "gate.override"];
}
