import { getLogger } from "@/server/logger";
import { getRedis } from "@/server/redis";

/** One attempt never holds the caller longer than this (Redis unreachable rather than refusing). */
const ATTEMPT_TIMEOUT_MS = 1_000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

export interface Announcement {
  channel: string;
  /** A later announcement with the same key replaces an undelivered earlier one (they say the same). */
  key: string;
  message: unknown;
  /** What names the subject in log lines (ids and names, never secrets). */
  logFields: Record<string, unknown>;
}

/**
 * Publishes what gateways must hear after a change committed (a deployment changed, a key was
 * revoked). It never throws: the change stands whether or not Redis answers, and a caller who
 * retried a "failed" rollback would undo it. What is not delivered at once is retried with
 * backoff until it is; gateways also drop what they cached when their own connection comes back.
 * `subject` names the kind in log lines ("deployment change").
 */
export function createAnnouncer({ subject, component }: { subject: string; component: string }) {
  const undelivered = new Map<string, Announcement>();
  let retrying = false;
  const log = () => getLogger().child({ component });

  async function retryUntilDelivered(): Promise<void> {
    retrying = true;
    let delayMs = FIRST_RETRY_MS;
    for (let attempt = 2; undelivered.size > 0; attempt++) {
      await sleep(delayMs);
      for (const [key, announcement] of undelivered) {
        const error = await tryPublish(announcement);
        if (error === null) {
          // A newer announcement of the same key may have arrived meanwhile; it is sent next round.
          if (undelivered.get(key) === announcement) undelivered.delete(key);
          log().info({ ...announcement.logFields, attempt }, `${subject} announced`);
        } else {
          log().warn(
            {
              ...announcement.logFields,
              attempt,
              retryInMs: Math.min(delayMs * 2, MAX_RETRY_MS),
              err: error,
            },
            `${subject} still not announced`,
          );
        }
      }
      delayMs = Math.min(delayMs * 2, MAX_RETRY_MS);
    }
    retrying = false;
  }

  return async function announce(announcement: Announcement): Promise<void> {
    const error = await tryPublish(announcement);
    if (error === null) return;
    undelivered.set(announcement.key, announcement);
    log().warn(
      { ...announcement.logFields, err: error },
      `${subject} committed but not announced yet; retrying in the background`,
    );
    if (!retrying) void retryUntilDelivered();
  };
}

/** null when Redis took the message, else why not. */
async function tryPublish({ channel, message }: Announcement): Promise<Error | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      getRedis().publish(channel, JSON.stringify(message)),
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

// Unref'd: a script that made a change may exit; gateways re-read on their reconnect anyway.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
