import { readEnv } from "@/server/env";
import { deploymentChangedChannel, type DeploymentChangedMessage } from "@/server/contracts/channels";
import { getRedis } from "@/server/redis";

/** Tells every gateway to drop its cached revision; called only after the change committed. */
export async function publishDeploymentChange(message: DeploymentChangedMessage): Promise<void> {
  await getRedis().publish(deploymentChangedChannel(readEnv().REDIS_KEY_PREFIX), JSON.stringify(message));
}
