import { z } from "zod";

/**
 * A deployment's batching and placement settings, without defaults: an update that names one
 * setting must leave the others as they are, so defaults live only in ZCreateDeploymentInput.
 */
export const ZDeploymentSettings = z.object({
  environment: z.enum(["staging", "production"]),
  /** Rows per batch the gateway and worker build at most. */
  maxBatchSize: z.number().int().min(1).max(4096),
  /** How long a request may wait for others to share its batch while the model is busy. */
  maxQueueDelayMs: z.number().int().min(0).max(1000),
  replicas: z.number().int().min(1).max(64),
  device: z.enum(["cpu", "cuda"]),
});
export type DeploymentSettings = z.output<typeof ZDeploymentSettings>;

/** The settings of a deployment row, for audit events and answers. */
export function settingsOf(deployment: DeploymentSettings): DeploymentSettings {
  const { environment, maxBatchSize, maxQueueDelayMs, replicas, device } = deployment;
  return { environment, maxBatchSize, maxQueueDelayMs, replicas, device };
}
