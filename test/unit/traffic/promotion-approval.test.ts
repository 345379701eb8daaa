import { describe, expect, it } from "vitest";
import { decisionProblem, type DecidedRequest } from "@/server/domain/traffic/promotion-approval";

const pending: DecidedRequest = { number: 3, status: "pending", requestedBy: "user:ann", decidedBy: null };

describe("promotion approval", () => {
  it("lets another person approve or reject a pending request, and only its requester withdraw it", () => {
    expect(decisionProblem(pending, "approve", "user:bob")).toBeNull();
    expect(decisionProblem(pending, "reject", "user:bob")).toBeNull();
    expect(decisionProblem(pending, "withdraw", "user:ann")).toBeNull();
  });

  it("refuses four eyes that are two: the requester approving or rejecting their own request", () => {
    expect(decisionProblem(pending, "approve", "user:ann")).toBe(
      "promotion request #3 needs a second person to approve it: user:ann requested it",
    );
    expect(decisionProblem(pending, "reject", "user:ann")).toBe(
      "promotion request #3 is your own request: withdraw it instead",
    );
    expect(decisionProblem(pending, "withdraw", "user:bob")).toBe(
      "only user:ann, who requested promotion request #3, can withdraw it; reject it instead",
    );
  });

  it("never decides a request twice", () => {
    const approved: DecidedRequest = { ...pending, status: "approved", decidedBy: "user:bob" };
    for (const decision of ["approve", "reject", "withdraw"] as const)
      expect(decisionProblem(approved, decision, "user:cy")).toBe(
        "promotion request #3 was already approved by user:bob",
      );
  });
});
