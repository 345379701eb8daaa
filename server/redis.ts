import type { Redis } from "ioredis";
import { connectRedis } from "@/server/contracts/redis-connections";
import { readEnv } from "@/server/env";

const globalForRedis = globalThis as unknown as { mlopsRedis?: Redis };

/**
 * The process's Redis connection for plain commands (the "command" profile: fails fast while
 * Redis is down). Queues, their workers and subscriptions have connections of their own.
 * Every key it writes carries REDIS_KEY_PREFIX.
 */
export function getRedis(): Redis {
  if (!globalForRedis.mlopsRedis) {
    const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
    globalForRedis.mlopsRedis = connectRedis("command", REDIS_URL, { keyPrefix: REDIS_KEY_PREFIX });
  }
  return globalForRedis.mlopsRedis;
}
