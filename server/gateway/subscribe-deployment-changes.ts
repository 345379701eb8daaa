import { deploymentChangedChannel, ZDeploymentChangedMessage } from "@/server/contracts/channels";
import type { DeploymentCache } from "@/server/gateway/deployment-cache";
import { subscribeToChannel } from "@/server/gateway/subscribe-channel";
import type { Logger } from "@/server/logger";

/**
 * Drops a cached deployment when the console announces a change, and every cached deployment
 * after a reconnect (announcements may have been missed meanwhile).
 */
export function subscribeToDeploymentChanges({
  redisUrl,
  keyPrefix,
  cache,
  log,
}: {
  redisUrl: string;
  keyPrefix: string;
  cache: DeploymentCache;
  log: Logger;
}) {
  return subscribeToChannel({
    redisUrl,
    channel: deploymentChangedChannel(keyPrefix),
    schema: ZDeploymentChangedMessage,
    onMessage: ({ teamId, name }) => cache.invalidate({ teamId, name }),
    onResubscribed: () => cache.clear(),
    subject: "deployment change",
    log,
  });
}
