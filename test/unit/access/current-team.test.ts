import { describe, expect, it } from "vitest";
import { chooseMembership, cookieValue } from "@/server/domain/access/current-team";

const memberships = [
  { teamSlug: "default", role: "viewer" },
  { teamSlug: "fraud", role: "admin" },
];

describe("the team a signed-in user acts in", () => {
  it("is the one their cookie names, when they are a member of it", () => {
    expect(chooseMembership(memberships, "fraud")).toEqual({ teamSlug: "fraud", role: "admin" });
  });

  it("is their first membership without a cookie, or when the cookie names a team they are not in", () => {
    expect(chooseMembership(memberships, null)).toEqual(memberships[0]);
    expect(chooseMembership(memberships, "someone-elses")).toEqual(memberships[0]);
  });

  it("is none for a user without memberships, whatever the cookie says", () => {
    expect(chooseMembership([], "fraud")).toBeNull();
  });
});

describe("a cookie's value", () => {
  it("is read by exact name among others, decoded", () => {
    const header = "better-auth.session_token=abc; my-mlops-team=no; mlops-team=fraud%2Dteam";
    expect(cookieValue(header, "mlops-team")).toBe("fraud-team");
  });

  it("is null when absent, and kept raw when it is not valid percent-encoding", () => {
    expect(cookieValue(null, "mlops-team")).toBeNull();
    expect(cookieValue("a=b", "mlops-team")).toBeNull();
    expect(cookieValue("mlops-team=100%", "mlops-team")).toBe("100%");
  });
});
