import { deploymentChangedChannel, type DeploymentChangedMessage } from "@/server/contracts/channels";
import { readEnv } from "@/server/env";
import { getLogger } from "@/server/logger";
import { getRedis } from "@/server/redis";

/** One attempt never holds the caller longer than this (Redis unreachable rather than refusing). */
const ATTEMPT_TIMEOUT_MS = 1_000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/**
 * Announcements not delivered yet, one per deployment: every message says the same thing
 * ("reload this deployment"), so a later one of the same deployment replaces an earlier one.
 */
const undelivered = new Map<string, DeploymentChangedMessage>();
let retrying = false;

/**
 * Tells every gateway to drop its cached revision. Called only after the change committed, so it
 * never throws: the change stands whether or not Redis answers, and a caller who retried a
 * "failed" rollback would undo it. What is not delivered at once is retried with backoff until
 * it is; gateways also re-read every deployment when their own connection comes back.
 */
export async function publishDeploymentChange(message: DeploymentChangedMessage): Promise<void> {
  const error = await tryPublish(message);
  if (error === null) return;
  undelivered.set(message.deploymentId, message);
  log().warn(
    { deploymentId: message.deploymentId, name: message.name, err: error },
    "deployment change committed but not announced yet; retrying in the background",
  );
  if (!retrying) void retryUntilDelivered();
}

async function retryUntilDelivered(): Promise<void> {
  retrying = true;
  let delayMs = FIRST_RETRY_MS;
  for (let attempt = 2; undelivered.size > 0; attempt++) {
    await sleep(delayMs);
    for (const [deploymentId, message] of undelivered) {
      const error = await tryPublish(message);
      if (error === null) {
        // A newer message of the same deployment may have arrived meanwhile; it is sent next round.
        if (undelivered.get(deploymentId) === message) undelivered.delete(deploymentId);
        log().info({ deploymentId, name: message.name, attempt }, "deployment change announced");
      } else {
        log().warn(
          {
            deploymentId,
            name: message.name,
            attempt,
            retryInMs: Math.min(delayMs * 2, MAX_RETRY_MS),
            err: error,
          },
          "deployment change still not announced",
        );
      }
    }
    delayMs = Math.min(delayMs * 2, MAX_RETRY_MS);
  }
  retrying = false;
}

/** null when Redis took the message, else why not. */
async function tryPublish(message: DeploymentChangedMessage): Promise<Error | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      getRedis().publish(deploymentChangedChannel(readEnv().REDIS_KEY_PREFIX), JSON.stringify(message)),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Redis did not answer within ${ATTEMPT_TIMEOUT_MS} ms`)),
          ATTEMPT_TIMEOUT_MS,
        );
      }),
    ]);
    return null;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    clearTimeout(timer);
  }
}

const log = () => getLogger().child({ component: "deployment-changes" });

// Unref'd: a script that made a change may exit; gateways re-read on their reconnect anyway.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
