import { z } from "zod";
import { MAX_CANARY_PERCENT, MIN_CANARY_PERCENT } from "@/server/domain/traffic/canary-share";
import { AppError } from "@/server/domain/app-error";
import { approvalRequiredProblem, decisionProblem } from "@/server/domain/traffic/promotion-approval";
import {
  addShadowTarget,
  canaryTarget,
  describeChange,
  promoteTarget,
  removeShadowTarget,
  setWeightsTarget,
} from "@/server/domain/traffic/revision-changes";
import {
  ZRevisionTarget,
  type RevisionTarget,
  type VersionRef,
} from "@/server/domain/traffic/revision-target";
import type { Prisma, RevisionStrategy } from "@/generated/prisma/client";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import { ZRevisionOutput } from "@/server/services/deployment/deployment-output";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { promotionRequestNotFound } from "@/server/services/deployment/promotion-request-output";
import { publishDeploymentChange } from "@/server/services/deployment/publish-deployment-change";
import { checkPromotionGate, ZGateOverride } from "@/server/services/evaluation/check-promotion-gate";
import { emitWebhookEvent } from "@/server/services/webhook/emit-webhook-event";
import { queueWebhookDeliveries } from "@/server/services/webhook/queue-webhook-deliveries";
import { revisionSnapshotOf } from "@/server/contracts/webhook-events";

const ZVersionNumber = z.number().int().positive();

export const ZTrafficChange = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("promote"),
    versionNumber: ZVersionNumber,
    /** Promotes past a failing evaluation gate; the reason is recorded in the audit event. */
    override: ZGateOverride.optional(),
  }),
  z.object({
    kind: z.literal("canary"),
    versionNumber: ZVersionNumber,
    weightPercent: z.number().int().min(MIN_CANARY_PERCENT).max(MAX_CANARY_PERCENT),
  }),
  z.object({
    kind: z.literal("weights"),
    weights: z
      .array(z.object({ versionNumber: ZVersionNumber, weight: z.number().int().min(0).max(100) }))
      .min(1),
  }),
  z.object({ kind: z.literal("addShadow"), versionNumber: ZVersionNumber }),
  z.object({ kind: z.literal("removeShadow"), versionNumber: ZVersionNumber }),
  z.object({ kind: z.literal("rollback") }),
  /** Any earlier revision's versions and weights again, as a new revision (the timeline's restore). */
  z.object({ kind: z.literal("restore"), revisionNumber: z.number().int().positive() }),
]);
export type TrafficChange = z.infer<typeof ZTrafficChange>;

export const ZChangeTrafficInput = z.object({ name: z.string().min(1), change: ZTrafficChange });
export type ChangeTrafficOptions = z.output<typeof ZChangeTrafficInput> & {
  teamId: string;
  actor: string;
  /**
   * The pending promotion request the actor approves (decide-promotion-request.ts): on a
   * deployment that requires approval, the only way a promotion applies. Never caller input.
   */
  approving?: { requestNumber: number; note: string };
};
/** The revision the change made. */
export const ZChangeTrafficOutput = ZRevisionOutput.pick({ number: true, strategy: true, reason: true });

const STRATEGY_BY_CHANGE: Record<TrafficChange["kind"], RevisionStrategy> = {
  promote: "promote",
  canary: "canary",
  weights: "weights",
  addShadow: "shadow",
  removeShadow: "shadow",
  rollback: "rollback",
  restore: "restore",
};

/**
 * Every traffic change is a new immutable revision and a move of the active pointer, made under
 * a row lock on the deployment so concurrent changes apply one after the other. Gateways hear
 * about it after the commit.
 */
export async function changeTraffic({
  teamId,
  actor,
  name: deploymentName,
  change,
  approving,
}: ChangeTrafficOptions): Promise<z.output<typeof ZChangeTrafficOutput>> {
  const db = getDb();
  const revision = await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Deployment" WHERE "teamId" = ${teamId} AND name = ${deploymentName} FOR UPDATE`;
    const deployment = await findDeploymentOrThrow(teamId, deploymentName, tx);
    const current = deployment.activeRevision;
    const approval = await takeApproval(tx, { deployment, change, actor, approving });
    const next = await nextTarget(tx, deployment, current, change);
    const gate =
      change.kind === "promote"
        ? await checkPromotionGate(tx, {
            deployment,
            current: current.target,
            versionNumber: change.versionNumber,
            override: change.override,
          })
        : null;
    const description = describeChange(current.target, next.target);
    const reason =
      next.fromRevisionNumber === undefined
        ? description
        : `${change.kind} to revision ${next.fromRevisionNumber}: ${description}`;
    const created = await tx.deploymentRevision.create({
      data: {
        teamId,
        deploymentId: deployment.id,
        number: current.number + 1,
        strategy: STRATEGY_BY_CHANGE[change.kind],
        target: next.target,
        reason,
        createdBy: actor,
        previousRevisionId: current.id,
      },
    });
    await tx.deployment.update({ where: { id: deployment.id }, data: { activeRevisionId: created.id } });
    if (approval)
      await tx.promotionRequest.update({
        where: { id: approval.id },
        data: {
          status: "approved",
          decidedBy: actor,
          decidedAt: new Date(),
          decisionNote: approving?.note ?? "",
          revisionNumber: created.number,
        },
      });
    await recordAuditEvent(tx, {
      teamId,
      actor,
      action: `deployment.${change.kind}`,
      targetType: "deployment",
      targetId: deployment.id,
      before: { revision: revisionSummary(current) },
      after: {
        revision: revisionSummary({ ...created, target: next.target }),
        ...(gate ? { gate } : {}),
        ...(approval
          ? { approval: { requestNumber: approval.number, requestedBy: approval.requestedBy } }
          : {}),
      },
    });
    const deliveryIds = await emitWebhookEvent(tx, {
      teamId,
      event: {
        type: "deployment.revisionChanged",
        data: {
          deploymentName,
          modelName: deployment.model.name,
          environment: deployment.environment,
          change: change.kind,
          revision: revisionSnapshotOf({ ...created, target: next.target }),
          previousRevision: revisionSnapshotOf(current),
          gate: gate && { ...gate, overrideReason: gate.override?.reason ?? null },
          approval: approval && { requestNumber: approval.number },
        },
      },
    });
    return { ...created, deploymentId: deployment.id, deliveryIds };
  });
  await publishDeploymentChange({ deploymentId: revision.deploymentId, name: deploymentName, teamId });
  await queueWebhookDeliveries(revision.deliveryIds);
  return { number: revision.number, strategy: revision.strategy, reason: revision.reason };
}

/**
 * On a deployment that requires approval, a promotion needs the pending request it approves, of
 * the same version, decided by someone other than its requester (locked until the commit, so two
 * approvers cannot both apply it). Anything else passes through.
 */
async function takeApproval(
  tx: Prisma.TransactionClient,
  {
    deployment,
    change,
    actor,
    approving,
  }: {
    deployment: { id: string; name: string; approvalRequired: boolean };
    change: TrafficChange;
    actor: string;
    approving: ChangeTrafficOptions["approving"];
  },
) {
  if (change.kind !== "promote" || (!deployment.approvalRequired && !approving)) return null;
  if (!approving) throw new AppError("FORBIDDEN", approvalRequiredProblem(deployment.name));
  const { requestNumber } = approving;
  const [request] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "PromotionRequest"
    WHERE "deploymentId" = ${deployment.id} AND number = ${requestNumber} FOR UPDATE`;
  if (!request) throw promotionRequestNotFound(deployment.name, requestNumber);
  const found = await tx.promotionRequest.findUniqueOrThrow({ where: { id: request.id } });
  const problem = decisionProblem(found, "approve", actor);
  if (problem) throw new AppError("CONFLICT", problem);
  if (found.versionNumber !== change.versionNumber)
    throw new AppError(
      "CONFLICT",
      `promotion request #${found.number} is for v${found.versionNumber}, not v${change.versionNumber}`,
    );
  return found;
}

/** What the audit log keeps of the revision that served before and after a change. */
function revisionSummary(revision: {
  number: number;
  strategy: RevisionStrategy;
  reason: string;
  target: RevisionTarget;
}) {
  const { number, strategy, reason, target } = revision;
  return { number, strategy, reason, target };
}

async function nextTarget(
  tx: Prisma.TransactionClient,
  deployment: { id: string; modelId: string; name: string },
  current: { number: number; target: RevisionTarget; previousRevisionId: string | null },
  change: TrafficChange,
): Promise<{ target: RevisionTarget; fromRevisionNumber?: number }> {
  const { modelId, name: deploymentName } = deployment;
  const version = async (number: number): Promise<VersionRef> => {
    const found = await tx.modelVersion.findUnique({
      where: { modelId_number: { modelId, number } },
      select: { id: true },
    });
    if (!found)
      throw new AppError("NOT_FOUND", `the model of deployment '${deploymentName}' has no version ${number}`);
    return { versionId: found.id, versionNumber: number };
  };
  switch (change.kind) {
    case "promote":
      return { target: promoteTarget(current.target, await version(change.versionNumber)) };
    case "canary":
      return {
        target: canaryTarget(current.target, await version(change.versionNumber), change.weightPercent),
      };
    case "weights":
      return {
        target: setWeightsTarget(
          current.target,
          await Promise.all(
            change.weights.map(async (entry) => ({
              version: await version(entry.versionNumber),
              weight: entry.weight,
            })),
          ),
        ),
      };
    case "addShadow":
      return { target: addShadowTarget(current.target, await version(change.versionNumber)) };
    case "removeShadow":
      return { target: removeShadowTarget(current.target, (await version(change.versionNumber)).versionId) };
    case "rollback": {
      if (!current.previousRevisionId)
        throw new AppError(
          "BAD_REQUEST",
          `deployment '${deploymentName}' has no earlier revision to roll back to`,
        );
      const previous = await tx.deploymentRevision.findUniqueOrThrow({
        where: { id: current.previousRevisionId },
      });
      return { target: ZRevisionTarget.parse(previous.target), fromRevisionNumber: previous.number };
    }
    case "restore": {
      if (change.revisionNumber === current.number)
        throw new AppError(
          "BAD_REQUEST",
          `revision ${current.number} of deployment '${deploymentName}' is the active one; nothing to restore`,
        );
      const earlier = await tx.deploymentRevision.findUnique({
        where: { deploymentId_number: { deploymentId: deployment.id, number: change.revisionNumber } },
        select: { number: true, target: true },
      });
      if (!earlier)
        throw new AppError(
          "NOT_FOUND",
          `deployment '${deploymentName}' has no revision ${change.revisionNumber} (the active one is ${current.number})`,
        );
      return { target: ZRevisionTarget.parse(earlier.target), fromRevisionNumber: earlier.number };
    }
  }
}
