import { deploymentChangedChannel, type DeploymentChangedMessage } from "@/server/contracts/channels";
import { readEnv } from "@/server/env";
import { createAnnouncer } from "@/server/services/pubsub/announce-after-commit";

const announce = createAnnouncer({ subject: "deployment change", component: "deployment-changes" });

/**
 * Tells every gateway to drop its cached revision. Called only after the change committed; never
 * throws (announce-after-commit.ts). Every message of a deployment says the same thing ("reload
 * it"), so an undelivered one is replaced by a later one of the same deployment.
 */
export async function publishDeploymentChange(message: DeploymentChangedMessage): Promise<void> {
  await announce({
    channel: deploymentChangedChannel(readEnv().REDIS_KEY_PREFIX),
    key: message.deploymentId,
    message,
    logFields: { deploymentId: message.deploymentId, name: message.name },
  });
}
