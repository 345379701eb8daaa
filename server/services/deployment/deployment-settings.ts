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
  /** The share of requests logged with their outputs for drift and labels (0 logs none). */
  predictionSampleRate: z
    .number({ error: "the prediction sample rate must be a number from 0 to 1" })
    .min(0, "the prediction sample rate must be from 0 to 1 (0.1 logs one request in ten)")
    .max(1, "the prediction sample rate must be from 0 to 1 (0.1 logs one request in ten)"),
});
export type DeploymentSettings = z.output<typeof ZDeploymentSettings>;

/** The settings of a deployment row, for audit events and answers. */
export function settingsOf(deployment: DeploymentSettings): DeploymentSettings {
  const { environment, maxBatchSize, maxQueueDelayMs, replicas, device, predictionSampleRate } = deployment;
  return { environment, maxBatchSize, maxQueueDelayMs, replicas, device, predictionSampleRate };
}
