import { describe, expect, it } from "vitest";
import {
  authorize,
  authorizeDeployment,
  reachableDeployments,
  type Caller,
} from "@/server/domain/access/caller";
import { leastRoleFor, roleAtLeast, roleProblem, ROLES } from "@/server/domain/access/roles";
import { AppError } from "@/server/domain/app-error";

const caller = (role: Caller["role"], more: Partial<Caller> = {}): Caller => ({
  teamId: "t",
  teamSlug: "acme",
  role,
  actor: "user:ada",
  ...more,
});

function refusal(run: () => void): { code: string; message: string } | null {
  try {
    run();
    return null;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe("roles", () => {
  it("are ordered viewer < editor < admin, each holding what those below hold", () => {
    expect(ROLES).toEqual(["viewer", "editor", "admin"]);
    expect(ROLES.map((role) => roleAtLeast(role, "editor"))).toEqual([false, true, true]);
    expect(ROLES.map((role) => roleAtLeast(role, "viewer"))).toEqual([true, true, true]);
    expect(ROLES.map((role) => roleAtLeast(role, "admin"))).toEqual([false, false, true]);
  });

  it("give reads to viewers, registering and canaries to editors, production and keys to admins", () => {
    expect(leastRoleFor("read")).toBe("viewer");
    expect(leastRoleFor("infer")).toBe("viewer");
    for (const action of [
      "model.register",
      "deployment.deploy",
      "deployment.canary",
      "deployment.shadow",
      "evaluation.start",
      "batchJob.run",
      "goldenSet.upload",
      "featureSet.write",
      "promotion.request",
      "promotion.withdraw",
    ] as const)
      expect([action, leastRoleFor(action)]).toEqual([action, "editor"]);
    for (const action of [
      "deployment.promote",
      "gate.override",
      "deployment.setApproval",
      "deployment.setWeights",
      "promotion.decide",
      "apiKey.manage",
      "member.manage",
    ] as const)
      expect([action, leastRoleFor(action)]).toEqual([action, "admin"]);
  });

  it("explain a refusal in one sentence naming the role needed and the caller's", () => {
    expect(roleProblem("deployment.promote", "editor", "this key has")).toBe(
      "promoting to production needs the admin role; this key has editor",
    );
    expect(roleProblem("deployment.promote", "admin", "this key has")).toBeNull();
  });
});

describe("authorize", () => {
  it("refuses with FORBIDDEN, telling a key from a person", () => {
    expect(
      refusal(() =>
        authorize(caller("editor", { apiKeyId: "k1", actor: "apikey:k1" }), "deployment.promote"),
      ),
    ).toEqual({
      code: "FORBIDDEN",
      message: "promoting to production needs the admin role; this key has editor",
    });
    expect(refusal(() => authorize(caller("viewer"), "model.register"))).toEqual({
      code: "FORBIDDEN",
      message: "registering models and versions needs the editor role; you have viewer",
    });
  });

  it("needs every action it is given", () => {
    expect(refusal(() => authorize(caller("admin"), "deployment.promote", "gate.override"))).toBeNull();
    expect(refusal(() => authorize(caller("editor"), "promotion.withdraw", "gate.override"))?.message).toBe(
      "overriding the evaluation gate needs the admin role; you have editor",
    );
  });
});

describe("a key scoped to deployments", () => {
  const scoped = caller("admin", { apiKeyId: "k1", actor: "apikey:k1", deploymentNames: ["fraud"] });

  it("reaches its deployments only, refused by name", () => {
    expect(refusal(() => authorizeDeployment(scoped, "fraud"))).toBeNull();
    expect(refusal(() => authorizeDeployment(scoped, "churn"))).toEqual({
      code: "FORBIDDEN",
      message: "this API key may reach only deployment 'fraud', not 'churn'",
    });
  });

  it("sees only its deployments in lists, where an unscoped caller sees all", () => {
    const rows = [{ name: "churn" }, { name: "fraud" }];
    expect(reachableDeployments(scoped, rows)).toEqual([{ name: "fraud" }]);
    expect(reachableDeployments(caller("viewer", { deploymentNames: [] }), rows)).toEqual(rows);
    expect(reachableDeployments(caller("viewer"), rows)).toEqual(rows);
  });
});
