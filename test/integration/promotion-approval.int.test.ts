import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import { readDemoFile } from "@/test/support/demo-files";
import { createFraudDeployment } from "@/test/support/fraud-deployment";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// Four eyes on production: with approval required, a promotion applies only as a request that a
// second person approves; every step is recorded with who took it.

const ann = callerFor("default", "user:ann");
const bob = callerFor("default", "user:bob");

beforeAll(async () => {
  await createFraudDeployment("fraud");
  for (const version of [2, 3])
    await ann.modelVersion.upload(
      uploadForm({ modelName: "card-fraud", file: await readDemoFile(`fraud-v${version}.onnx`) }),
    );
});

const weights = async () => (await ann.deployment.byName({ name: "fraud" })).activeRevision.target.weights;

describe("promotion approval", () => {
  it("refuses a direct promotion once approval is required, and a request where none is", async () => {
    await expect(ann.deployment.requestPromotion({ name: "fraud", versionNumber: 2 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "deployment 'fraud' does not require approval: promote v2 directly",
    });
    expect(await ann.deployment.setApproval({ name: "fraud", required: true })).toEqual({
      approvalRequired: true,
    });
    expect((await ann.deployment.byName({ name: "fraud" })).approvalRequired).toBe(true);
    await expect(
      ann.deployment.changeTraffic({ name: "fraud", change: { kind: "promote", versionNumber: 2 } }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message:
        "deployment 'fraud' requires approval for promotions: request one, and another person approves it",
    });
    expect(await weights()).toEqual([{ versionNumber: 1, weight: 100 }]);
    await expect(ann.deployment.requestPromotion({ name: "fraud", versionNumber: 1 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "v1 already takes 100% of the traffic; nothing to promote",
    });
  });

  it("applies a request only when a second person approves it, recording both", async () => {
    const request = await ann.deployment.requestPromotion({
      name: "fraud",
      versionNumber: 2,
      note: "better AUC",
    });
    expect(request).toMatchObject({
      number: 1,
      versionNumber: 2,
      status: "pending",
      requestedBy: "user:ann",
    });
    await expect(ann.deployment.requestPromotion({ name: "fraud", versionNumber: 2 })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "promotion request #1 for v2 of 'fraud' is already waiting for a decision",
    });
    await expect(
      ann.deployment.decidePromotion({ name: "fraud", requestNumber: 1, decision: "approve" }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: "promotion request #1 needs a second person to approve it: user:ann requested it",
    });
    expect(await weights()).toEqual([{ versionNumber: 1, weight: 100 }]);

    const approved = await bob.deployment.decidePromotion({
      name: "fraud",
      requestNumber: 1,
      decision: "approve",
      note: "checked the holdout",
    });
    expect(approved).toMatchObject({
      status: "approved",
      decidedBy: "user:bob",
      decisionNote: "checked the holdout",
      revisionNumber: 2,
    });
    expect(await weights()).toEqual([{ versionNumber: 2, weight: 100 }]);
    const revision = (await ann.deployment.byName({ name: "fraud" })).activeRevision;
    expect(revision).toMatchObject({ number: 2, strategy: "promote", createdBy: "user:bob" });
    await expect(
      bob.deployment.decidePromotion({ name: "fraud", requestNumber: 1, decision: "approve" }),
    ).rejects.toMatchObject({ message: "promotion request #1 was already approved by user:bob" });

    const audit = await getDb().auditEvent.findMany({
      where: { action: { in: ["deployment.requestPromotion", "deployment.promote"] } },
      orderBy: { createdAt: "asc" },
      select: { action: true, actor: true, data: true },
    });
    expect(audit).toMatchObject([
      { action: "deployment.requestPromotion", actor: "user:ann" },
      {
        action: "deployment.promote",
        actor: "user:bob",
        data: { after: { approval: { requestNumber: 1, requestedBy: "user:ann" } } },
      },
    ]);
  });

  it("closes a request by rejection or withdrawal without touching traffic", async () => {
    await ann.deployment.requestPromotion({ name: "fraud", versionNumber: 3 });
    await expect(
      bob.deployment.decidePromotion({ name: "fraud", requestNumber: 2, decision: "withdraw" }),
    ).rejects.toMatchObject({
      message: "only user:ann, who requested promotion request #2, can withdraw it; reject it instead",
    });
    expect(
      await bob.deployment.decidePromotion({
        name: "fraud",
        requestNumber: 2,
        decision: "reject",
        note: "v3 regresses",
      }),
    ).toMatchObject({
      status: "rejected",
      decidedBy: "user:bob",
      decisionNote: "v3 regresses",
      revisionNumber: null,
    });
    await ann.deployment.requestPromotion({ name: "fraud", versionNumber: 3 });
    expect(
      await ann.deployment.decidePromotion({ name: "fraud", requestNumber: 3, decision: "withdraw" }),
    ).toMatchObject({ status: "withdrawn", decidedBy: "user:ann" });
    expect(await weights()).toEqual([{ versionNumber: 2, weight: 100 }]);

    const listed = await ann.deployment.promotionRequests({ name: "fraud" });
    expect(listed.map((request) => [request.number, request.status])).toEqual([
      [3, "withdrawn"],
      [2, "rejected"],
      [1, "approved"],
    ]);
    await expect(
      bob.deployment.decidePromotion({ name: "fraud", requestNumber: 9, decision: "approve" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "deployment 'fraud' has no promotion request #9" });
  });

  it("lets exactly one of two concurrent approvals apply", async () => {
    await ann.deployment.requestPromotion({ name: "fraud", versionNumber: 3 });
    const cy = callerFor("default", "user:cy");
    const results = await Promise.allSettled([
      bob.deployment.decidePromotion({ name: "fraud", requestNumber: 4, decision: "approve" }),
      cy.deployment.decidePromotion({ name: "fraud", requestNumber: 4, decision: "approve" }),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const revisions = await getDb().deploymentRevision.count({ where: { strategy: "promote" } });
    expect(revisions).toBe(2);
    expect(await weights()).toEqual([{ versionNumber: 3, weight: 100 }]);
  });
});
