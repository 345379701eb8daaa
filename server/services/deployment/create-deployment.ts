import { z } from "zod";
import { AppError } from "@/server/domain/app-error";
import { ZResourceName } from "@/server/domain/resource-name";
import type { RevisionTarget } from "@/server/domain/traffic/revision-target";
import { getDb } from "@/server/db";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";
import {
  DEPLOYMENT_SUMMARY_SELECT,
  deploymentSummaryOf,
  ZDeploymentSummary,
  type DeploymentSummary,
} from "@/server/services/deployment/deployment-output";
import { DEFAULT_PREDICTION_SAMPLE_RATE } from "@/server/contracts/prediction-samples";
import { ZDeploymentSettings } from "@/server/services/deployment/deployment-settings";
import { findModelOrThrow } from "@/server/services/model/find-model";
import { isUniqueViolation } from "@/server/services/prisma-errors";
import { publishDeploymentChange } from "@/server/services/deployment/publish-deployment-change";
import { emitWebhookEvent } from "@/server/services/webhook/emit-webhook-event";
import { queueWebhookDeliveries } from "@/server/services/webhook/queue-webhook-deliveries";
import { revisionSnapshotOf } from "@/server/contracts/webhook-events";

const settings = ZDeploymentSettings.shape;

export const ZCreateDeploymentInput = z.object({
  name: ZResourceName,
  modelName: z.string().min(1),
  versionNumber: z.number().int().positive(),
  environment: settings.environment.default("staging"),
  maxBatchSize: settings.maxBatchSize.default(32),
  maxQueueDelayMs: settings.maxQueueDelayMs.default(2),
  replicas: settings.replicas.default(1),
  device: settings.device.default("cpu"),
  predictionSampleRate: settings.predictionSampleRate.default(DEFAULT_PREDICTION_SAMPLE_RATE),
});
export type CreateDeploymentOptions = z.output<typeof ZCreateDeploymentInput> & {
  teamId: string;
  actor: string;
};

export const ZCreateDeploymentOutput = ZDeploymentSummary;

/** A deployment starts with revision 1 sending all traffic to one version. */
export async function createDeployment({
  teamId,
  actor,
  name,
  modelName,
  versionNumber,
  ...settings
}: CreateDeploymentOptions): Promise<DeploymentSummary> {
  const model = await findModelOrThrow(teamId, modelName);
  const db = getDb();
  const version = await db.modelVersion.findUnique({
    where: { modelId_number: { modelId: model.id, number: versionNumber } },
    select: { id: true },
  });
  if (!version) throw new AppError("NOT_FOUND", `model '${modelName}' has no version ${versionNumber}`);
  const target: RevisionTarget = {
    kind: "versions",
    weights: [{ versionId: version.id, versionNumber, weight: 100 }],
    shadows: [],
  };
  try {
    const deployment = await db.$transaction(async (tx) => {
      const created = await tx.deployment.create({
        data: { teamId, name, modelId: model.id, ...settings },
        select: { id: true },
      });
      const revision = await tx.deploymentRevision.create({
        data: {
          teamId,
          deploymentId: created.id,
          number: 1,
          strategy: "initial",
          target,
          reason: `v${versionNumber} at 100%`,
          createdBy: actor,
        },
      });
      await recordAuditEvent(tx, {
        teamId,
        actor,
        action: "deployment.create",
        targetType: "deployment",
        targetId: created.id,
        before: null,
        after: {
          name,
          modelName,
          ...settings,
          revision: { number: revision.number, strategy: revision.strategy, reason: revision.reason, target },
        },
      });
      const deliveryIds = await emitWebhookEvent(tx, {
        teamId,
        event: {
          type: "deployment.revisionChanged",
          data: {
            deploymentName: name,
            modelName,
            environment: settings.environment,
            change: "create",
            revision: revisionSnapshotOf({ ...revision, target }),
            previousRevision: null,
            gate: null,
            approval: null,
          },
        },
      });
      const updated = await tx.deployment.update({
        where: { id: created.id },
        data: { activeRevisionId: revision.id },
        select: { id: true, ...DEPLOYMENT_SUMMARY_SELECT },
      });
      return { ...updated, deliveryIds };
    });
    await publishDeploymentChange({ deploymentId: deployment.id, name, teamId });
    await queueWebhookDeliveries(deployment.deliveryIds);
    const { id: _id, deliveryIds: _deliveryIds, ...summary } = deployment;
    return deploymentSummaryOf(summary);
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError("CONFLICT", `a deployment named '${name}' already exists`);
    throw error;
  }
}
