import { z } from "zod";
import { ZArtifactSha256, ZServingDevice } from "@/server/contracts/serving";

/**
 * Pub/sub channels. Producer: the console's deployment services (publish-deployment-change.ts),
 * after a change committed. Consumers: every gateway (subscribe-deployment-changes.ts), and every
 * serving worker, which loads the versions a new revision serves (workers/serving/preload-sessions.ts).
 * ioredis does not apply its keyPrefix to channels, so the prefix is added here: gateways hear
 * only the console that shares their prefix.
 */
export function deploymentChangedChannel(keyPrefix: string): string {
  return `${keyPrefix}deployment-changed`;
}

/** Published after a deployment's active revision (or settings) changed and the change committed. */
export const ZDeploymentChangedMessage = z.object({
  deploymentId: z.string(),
  name: z.string(),
  teamId: z.string(),
  /**
   * What the active revision serves now: the versions with a weight above 0 and the shadows, on
   * the deployment's device. Serving workers on that device's queue load them before traffic
   * comes. Optional: a console older than the field, or one that could not read the revision back
   * after its commit, sends none (workers then load a version on its first job); gateways ignore it.
   */
  serves: z
    .object({
      device: ZServingDevice,
      versions: z.array(z.object({ versionId: z.string(), artifactSha256: ZArtifactSha256 })),
    })
    .optional(),
});
export type DeploymentChangedMessage = z.infer<typeof ZDeploymentChangedMessage>;
