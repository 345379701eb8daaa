import { connectRedis } from "@/server/contracts/redis-connections";
import type { ServingReply } from "@/server/contracts/serving";
import type { Logger } from "@/server/logger";

/** Replies taken off the list per round trip: under load one pop drains a burst. */
const REPLIES_PER_POP = 512;
/** A pop blocks at most this long, so a closing reader never waits longer to notice. */
const POP_BLOCK_SECONDS = 1;
const RETRY_AFTER_ERROR_MS = 200;

export interface ServingReplyReader {
  close(): Promise<void>;
}

/**
 * Reads one gateway instance's reply list (servingReplyListKey) on a connection of its own,
 * blocking until replies arrive, and hands each to `onReply` in order. While Redis is away the
 * connection reconnects by itself; `onConnectionLost` runs once per loss, since replies pushed to
 * a Redis that restarted empty, and the jobs that would have sent them, are gone.
 */
export function readServingReplies(options: {
  redisUrl: string;
  listKey: string;
  onReply: (reply: ServingReply) => void;
  onConnectionLost: () => void;
  log: Logger;
}): ServingReplyReader {
  const connection = connectRedis("consumer", options.redisUrl);
  let closing = false;
  let connected = false;
  connection.on("ready", () => (connected = true));
  connection.on("close", () => {
    if (!connected || closing) return;
    connected = false;
    options.onConnectionLost();
  });

  const readLoop = async () => {
    while (!closing) {
      try {
        const popped = (await connection.call(
          "BLMPOP",
          POP_BLOCK_SECONDS,
          1,
          options.listKey,
          "LEFT",
          "COUNT",
          REPLIES_PER_POP,
        )) as [string, string[]] | null;
        // The worker wrote these with JSON.stringify from a checked ServingJobResult; validating
        // large outputs again on every request would cost more than the rest of the gateway's work.
        for (const raw of popped?.[1] ?? []) options.onReply(JSON.parse(raw) as ServingReply);
      } catch (error) {
        if (closing) return;
        options.log.warn({ err: error }, "reading serving replies failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_ERROR_MS));
      }
    }
  };
  const reading = readLoop();

  return {
    async close() {
      closing = true;
      connection.disconnect();
      await reading;
    },
  };
}
