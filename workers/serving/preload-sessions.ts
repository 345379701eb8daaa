import {
  deploymentChangedChannel,
  ZDeploymentChangedMessage,
  type DeploymentChangedMessage,
} from "@/server/contracts/channels";
import type { ServingDevice } from "@/server/contracts/serving";
import { subscribeToChannel, type ChannelSubscription } from "@/server/gateway/subscribe-channel";
import type { Logger } from "@/server/logger";
import type { SessionCache } from "@/workers/runtime/session-cache";

/**
 * Loads the sessions of the versions a new revision serves as soon as the console announces it,
 * on the devices whose queues this worker consumes, so a version's first request finds its
 * session ready (or loading) instead of starting the load. A load that fails is logged and
 * forgotten: the version's first job tries again and fails with the usual error. Announcements
 * missed while the connection was down are not replayed; those versions load on their first job.
 */
export function preloadServedSessions({
  redisUrl,
  keyPrefix,
  devices,
  sessions,
  log,
}: {
  redisUrl: string;
  keyPrefix: string;
  devices: readonly ServingDevice[];
  sessions: SessionCache;
  log: Logger;
}): Promise<ChannelSubscription> {
  return subscribeToChannel({
    redisUrl,
    channel: deploymentChangedChannel(keyPrefix),
    schema: ZDeploymentChangedMessage,
    onMessage: (message) => preload(message, { devices, sessions, log }),
    onResubscribed: () => undefined,
    subject: "deployment change",
    log,
  });
}

function preload(
  { deploymentId, serves }: DeploymentChangedMessage,
  { devices, sessions, log }: { devices: readonly ServingDevice[]; sessions: SessionCache; log: Logger },
): void {
  if (!serves || !devices.includes(serves.device)) return;
  for (const { versionId, artifactSha256 } of serves.versions) {
    const key = { artifactSha256, device: serves.device };
    if (sessions.has(key)) continue;
    const fields = { deploymentId, versionId, artifactSha256, device: serves.device };
    log.info(fields, "preloading a version the active revision serves");
    sessions
      .get(key)
      .catch((error: Error) =>
        log.warn(
          { ...fields, reason: error.message },
          "could not preload the version; its first job loads it again",
        ),
      );
  }
}
