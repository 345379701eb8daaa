import type { z } from "zod";
import { connectRedis } from "@/server/contracts/redis-connections";
import type { Logger } from "@/server/logger";

export interface ChannelSubscription {
  /** Whether announcements reach this process now: false from a drop until the resubscribe. */
  live: () => boolean;
  close: () => Promise<void>;
}

/**
 * Listens to one pub/sub channel of server/contracts on a connection of its own. While the
 * connection was down, messages may have been missed, so after a reconnect `onResubscribed` runs
 * once the subscription is active again (a cache drops everything it holds then): a change
 * committed after that is announced here, one committed before it is what a re-read finds.
 * `subject` names the messages in log lines ("deployment change").
 */
export async function subscribeToChannel<Message>({
  redisUrl,
  channel,
  schema,
  onMessage,
  onResubscribed,
  subject,
  log,
}: {
  redisUrl: string;
  channel: string;
  schema: z.ZodType<Message>;
  onMessage: (message: Message) => void;
  onResubscribed: () => void;
  subject: string;
  log: Logger;
}): Promise<ChannelSubscription> {
  const subscriber = connectRedis("subscriber", redisUrl);
  let connectedBefore = false;
  let live = false;
  subscriber.on("close", () => (live = false));
  subscriber.on("ready", () => {
    if (!connectedBefore) return void (connectedBefore = true);
    // ioredis re-subscribes on its own; waiting for this SUBSCRIBE's reply (Redis answers in
    // order) tells when the subscription is active again.
    subscriber
      .subscribe(channel)
      .then(() => {
        onResubscribed();
        live = true;
        log.info(`${subject} subscription back: what was cached is dropped, re-read on demand`);
      })
      .catch((error: Error) => log.warn({ err: error }, `${subject} subscription: resubscribe failed`));
  });
  subscriber.on("message", (_channel: string, raw: string) => {
    let message;
    try {
      message = schema.safeParse(JSON.parse(raw));
    } catch {
      message = null;
    }
    if (!message?.success) return void log.warn(`ignored a ${subject} message that does not parse`);
    onMessage(message.data);
  });
  await subscriber.subscribe(channel);
  live = true;
  return { live: () => live, close: async () => void (await subscriber.quit()) };
}
