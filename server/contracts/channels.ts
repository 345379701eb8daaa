import { z } from "zod";

/**
 * Pub/sub channels. Producer: the console's deployment services (publish-deployment-change.ts),
 * after a change committed. Consumer: every gateway (subscribe-deployment-changes.ts).
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
});
export type DeploymentChangedMessage = z.infer<typeof ZDeploymentChangedMessage>;
