import { describe, expect, it } from "vitest";
import { leastRoleFor } from "@/server/domain/access/roles";
import { promotionDecisionActions, trafficChangeActions } from "@/server/domain/access/traffic-actions";
import { ZTrafficChange } from "@/server/services/deployment/change-traffic";

const rolesOf = (actions: Parameters<typeof leastRoleFor>[0][]) => actions.map(leastRoleFor);

describe("traffic change actions", () => {
  it("map every kind of ZTrafficChange to the role that may make it", () => {
    const kinds = ZTrafficChange.options.map((option) => option.shape.kind.value);
    const roleByKind = Object.fromEntries(
      kinds.map((kind) => [kind, rolesOf(trafficChangeActions({ kind }))]),
    );
    expect(roleByKind).toEqual({
      promote: ["admin"],
      canary: ["editor"],
      weights: ["admin"],
      addShadow: ["editor"],
      removeShadow: ["editor"],
      rollback: ["editor"],
      restore: ["admin"],
    });
  });

  it("make a promotion past the gate an override too", () => {
    expect(trafficChangeActions({ kind: "promote", override: { reason: "known flaky set" } })).toEqual([
      "deployment.promote",
      "gate.override",
    ]);
  });
});

describe("promotion decisions", () => {
  it("let an editor withdraw, and only an admin approve, reject or override", () => {
    expect(rolesOf(promotionDecisionActions({ decision: "withdraw" }))).toEqual(["editor"]);
    expect(rolesOf(promotionDecisionActions({ decision: "approve" }))).toEqual(["admin"]);
    expect(rolesOf(promotionDecisionActions({ decision: "reject" }))).toEqual(["admin"]);
    expect(promotionDecisionActions({ decision: "approve", override: { reason: "r" } })).toEqual([
      "promotion.decide",
      "gate.override",
    ]);
  });
});
