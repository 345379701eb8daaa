import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { ZRevisionTarget, type RevisionTarget } from "@/server/domain/traffic/revision-target";
import { ZDeploymentSettings } from "@/server/services/deployment/deployment-settings";

// What clients (pages, CI) see of deployments and revisions: names and version numbers, never
// row ids or team ids. Each schema has the Prisma select that reads exactly its fields.

/** A revision's target by version number; the version ids it stores stay on the server. */
export const ZTrafficTargetOutput = z.object({
  kind: z.literal("versions"),
  weights: z.array(z.object({ versionNumber: z.number().int(), weight: z.number().int() })),
  shadows: z.array(z.object({ versionNumber: z.number().int() })),
});
export type TrafficTargetOutput = z.output<typeof ZTrafficTargetOutput>;

export function trafficTargetOf(target: RevisionTarget): TrafficTargetOutput {
  return {
    kind: target.kind,
    weights: target.weights.map(({ versionNumber, weight }) => ({ versionNumber, weight })),
    shadows: target.shadows.map(({ versionNumber }) => ({ versionNumber })),
  };
}

export const ZDeploymentSummary = ZDeploymentSettings.extend({
  name: z.string(),
  modelName: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type DeploymentSummary = z.output<typeof ZDeploymentSummary>;
export const DEPLOYMENT_SUMMARY_SELECT = {
  name: true,
  environment: true,
  maxBatchSize: true,
  maxQueueDelayMs: true,
  replicas: true,
  device: true,
  predictionSampleRate: true,
  createdAt: true,
  updatedAt: true,
  model: { select: { name: true } },
} as const satisfies Prisma.DeploymentSelect;

export function deploymentSummaryOf({
  model,
  ...fields
}: Prisma.DeploymentGetPayload<{ select: typeof DEPLOYMENT_SUMMARY_SELECT }>): DeploymentSummary {
  return { ...fields, modelName: model.name };
}

export const ZRevisionOutput = z.object({
  number: z.number().int(),
  strategy: z.enum(["initial", "promote", "canary", "weights", "shadow", "rollback", "restore"]),
  reason: z.string(),
  target: ZTrafficTargetOutput,
  createdBy: z.string().nullable(),
  createdAt: z.date(),
});
/** A revision in the timeline: served from its creation until `servedUntil` (null: serves now). */
export const ZServedRevisionOutput = ZRevisionOutput.extend({ servedUntil: z.date().nullable() });

export const REVISION_SELECT = {
  number: true,
  strategy: true,
  reason: true,
  target: true,
  createdBy: true,
  createdAt: true,
} as const satisfies Prisma.DeploymentRevisionSelect;

export function revisionOf({
  target,
  ...fields
}: Prisma.DeploymentRevisionGetPayload<{ select: typeof REVISION_SELECT }>): z.output<
  typeof ZRevisionOutput
> {
  return { ...fields, target: trafficTargetOf(ZRevisionTarget.parse(target)) };
}
