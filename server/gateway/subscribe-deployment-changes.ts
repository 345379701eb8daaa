import { deploymentChangedChannel, ZDeploymentChangedMessage } from "@/server/contracts/channels";
import { connectRedis } from "@/server/contracts/redis-connections";
import type { DeploymentCache } from "@/server/gateway/deployment-cache";
import type { Logger } from "@/server/logger";

/**
 * Drops a cached deployment when the console announces a change. While the connection was down,
 * announcements may have been missed, so after a reconnect everything is dropped and re-read on
 * demand, once the subscription is active again: a change committed after that is announced to
 * this gateway, one committed before it is what the re-read finds.
 */
export async function subscribeToDeploymentChanges({
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
  const subscriber = connectRedis("subscriber", redisUrl);
  const channel = deploymentChangedChannel(keyPrefix);
  let connectedBefore = false;
  // Changes reach this gateway only while subscribed: false from a drop until the resubscribe.
  let live = false;
  subscriber.on("close", () => (live = false));
  subscriber.on("ready", () => {
    if (!connectedBefore) return void (connectedBefore = true);
    // ioredis re-subscribes on its own; waiting for this SUBSCRIBE's reply (Redis answers in
    // order) tells when the subscription is active again.
    subscriber
      .subscribe(channel)
      .then(() => {
        cache.clear();
        live = true;
        log.info("deployment change subscription back: cached deployments dropped, re-read on demand");
      })
      .catch((error: Error) =>
        log.warn({ err: error }, "deployment change subscription: resubscribe failed"),
      );
  });
  subscriber.on("message", (_channel: string, raw: string) => {
    let message;
    try {
      message = ZDeploymentChangedMessage.safeParse(JSON.parse(raw));
    } catch {
      message = null;
    }
    if (!message?.success) return void log.warn("ignored a deployment change message that does not parse");
    cache.invalidate({ teamId: message.data.teamId, name: message.data.name });
  });
  await subscriber.subscribe(channel);
  live = true;
  return { live: () => live, close: async () => void (await subscriber.quit()) };
}
