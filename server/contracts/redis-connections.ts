import { Redis, type RedisOptions } from "ioredis";
import { getLogger } from "@/server/logger";

/**
 * How long a request-path command may wait for Redis before it fails (a 503 for the gateway's
 * client). Redis answers in well under a millisecond here, so this is an outage, not a slow call.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/**
 * Redis connection profiles: every connection of server/, workers/, test/support/ and bench/ is
 * made with connectRedis and one of these, so a use gets the options it needs (BullMQ's
 * production guide) and no file invents its own.
 * - command: server/redis.ts (gateway counters and shadow sums, console reads, publishing changes)
 *   and the worker's replies.
 * - producer: the gateway's job dispatcher (BullMQ Queue).
 * - consumer: BullMQ Workers (serving worker) and the gateway's reply-list reader (blocking pops).
 * - subscriber: the gateway's deployment-change subscription.
 */
export const REDIS_PROFILES = {
  /**
   * Plain commands: one issued while connecting waits for the connection, but while Redis is down
   * it fails after one reconnect attempt instead of waiting forever, and one a Redis that hangs
   * (paused, swapping, cut off without a reset) never answers fails after the command timeout.
   */
  command: { maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_TIMEOUT_MS },
  /**
   * Puts jobs on queues: fails at once while disconnected, so a request is answered 503 instead
   * of sitting in an in-memory queue behind its deadline; bounded by the command timeout too.
   */
  producer: { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: REDIS_COMMAND_TIMEOUT_MS },
  /** Blocking commands that must wait across reconnects (BullMQ requires null for these). */
  consumer: { maxRetriesPerRequest: null },
  /** Waits across reconnects; ioredis subscribes again to its channels when the connection is back. */
  subscriber: { maxRetriesPerRequest: null, autoResubscribe: true },
} as const satisfies Record<string, RedisOptions>;

export type RedisProfile = keyof typeof REDIS_PROFILES;

/**
 * A connection with the profile's options. ioredis reconnects on its own; its errors go to the
 * log (without a listener it prints a stack per reconnect attempt).
 */
export function connectRedis(
  profile: RedisProfile,
  url: string,
  options: { keyPrefix?: string } = {},
): Redis {
  const redis = new Redis(url, { ...REDIS_PROFILES[profile], ...options });
  logRedisErrors(redis, { component: "redis", profile });
  redis.on("ready", () => getLogger().debug({ component: "redis", profile }, "Redis connection ready"));
  return redis;
}

const REPEAT_QUIET_MS = 10_000;

/**
 * Logs the errors of a Redis client, BullMQ queue, worker or queue events at warn, each distinct
 * message at most once per 10 s: while Redis is down every reconnect attempt fails the same way.
 */
export function logRedisErrors(
  emitter: { on(event: "error", listener: (error: Error) => void): unknown },
  context: Record<string, unknown>,
): void {
  let last = { message: "", atMs: 0 };
  emitter.on("error", (error: Error) => {
    const nowMs = Date.now();
    if (error.message === last.message && nowMs - last.atMs < REPEAT_QUIET_MS) return;
    last = { message: error.message, atMs: nowMs };
    getLogger().warn(
      { ...context, err: error },
      "error from Redis or a BullMQ client (the same one again within 10 s is not logged)",
    );
  });
}
