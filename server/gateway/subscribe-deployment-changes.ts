import { deploymentChangedChannel, ZDeploymentChangedMessage } from "@/server/contracts/channels";
import { connectRedis } from "@/server/contracts/redis-connections";
import type { DeploymentCache } from "@/server/gateway/deployment-cache";

/**
 * Drops a cached deployment when the console announces a change. After a reconnect, messages
 * may have been missed, so everything is dropped and reloaded on demand.
 */
export async function subscribeToDeploymentChanges({
  redisUrl,
  keyPrefix,
  cache,
}: {
  redisUrl: string;
  keyPrefix: string;
  cache: DeploymentCache;
}) {
  const subscriber = connectRedis("subscriber", redisUrl);
  const channel = deploymentChangedChannel(keyPrefix);
  let connectedBefore = false;
  subscriber.on("ready", () => {
    if (connectedBefore) cache.clear();
    connectedBefore = true;
  });
  subscriber.on("error", (error) => console.error(`deployment change subscription: ${error.message}`));
  subscriber.on("message", (_channel: string, raw: string) => {
    let message;
    try {
      message = ZDeploymentChangedMessage.safeParse(JSON.parse(raw));
    } catch {
      return;
    }
    if (message.success) cache.invalidate(message.data.name);
  });
  await subscriber.subscribe(channel);
  return { close: async () => void (await subscriber.quit()) };
}
