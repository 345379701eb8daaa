import { Redis } from "ioredis";
import { readEnv } from "@/server/env";

const globalForRedis = globalThis as unknown as { mlopsRedis?: Redis };

/**
 * The process's Redis connection for commands (not for BullMQ workers, which need their own
 * with maxRetriesPerRequest: null). Every key it writes carries REDIS_KEY_PREFIX.
 */
export function getRedis(): Redis {
  if (!globalForRedis.mlopsRedis) {
    const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
    // Fail fast when Redis is down instead of retrying a command forever (BullMQ's advice for producers).
    globalForRedis.mlopsRedis = new Redis(REDIS_URL, {
      keyPrefix: REDIS_KEY_PREFIX,
      maxRetriesPerRequest: 1,
    });
  }
  return globalForRedis.mlopsRedis;
}
