import { deploymentChangedChannel, type DeploymentChangedMessage } from "@/server/contracts/channels";
import { servedVersions } from "@/server/domain/traffic/serving-places";
import { readEnv } from "@/server/env";
import { getLogger } from "@/server/logger";
import { loadServingDeployment } from "@/server/services/deployment/load-serving-deployment";
import { createAnnouncer } from "@/server/services/pubsub/announce-after-commit";

const announce = createAnnouncer({ subject: "deployment change", component: "deployment-changes" });

/**
 * Tells every gateway to drop its cached revision, and every serving worker what the active
 * revision serves, so its sessions load before traffic comes. Called only after the change
 * committed; never throws (announce-after-commit.ts). Every message of a deployment says the same
 * thing ("reload it"), so an undelivered one is replaced by a later one of the same deployment.
 */
export async function publishDeploymentChange(
  change: Omit<DeploymentChangedMessage, "serves">,
): Promise<void> {
  const message: DeploymentChangedMessage = { ...change, serves: await readServes(change) };
  await announce({
    channel: deploymentChangedChannel(readEnv().REDIS_KEY_PREFIX),
    key: message.deploymentId,
    message,
    logFields: { deploymentId: message.deploymentId, name: message.name },
  });
}

/**
 * Read back after the commit, as a gateway reads it: the latest revision, whichever change made
 * it. Without it the announcement still goes out; workers then load on the first job.
 */
async function readServes({
  teamId,
  name,
  deploymentId,
}: Omit<DeploymentChangedMessage, "serves">): Promise<DeploymentChangedMessage["serves"]> {
  try {
    const deployment = await loadServingDeployment({ teamId, name });
    if (!deployment) return undefined;
    return {
      device: deployment.device,
      versions: servedVersions(deployment.target).flatMap(({ versionId }) => {
        const version = deployment.versions.get(versionId);
        return version ? [{ versionId, artifactSha256: version.artifactSha256 }] : [];
      }),
    };
  } catch (error) {
    getLogger()
      .child({ component: "deployment-changes" })
      .warn(
        { deploymentId, name, err: error },
        "could not read the revision back to name its versions; workers load them on their first job",
      );
    return undefined;
  }
}
