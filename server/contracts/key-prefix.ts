/**
 * Where BullMQ keeps its keys: `<REDIS_KEY_PREFIX>bull:<queue>:...`, so processes that share a
 * REDIS_KEY_PREFIX share queues and nothing else does.
 * Producer: the gateway's job dispatcher. Consumers: the serving worker, and the tests and bench
 * that read or clean queues.
 */
export const BULL_KEY_SEGMENT = "bull";

/** BullMQ's `prefix` option for a process whose keys start with `keyPrefix`. */
export function bullPrefix(keyPrefix: string): string {
  return `${keyPrefix}${BULL_KEY_SEGMENT}`;
}

/**
 * A BullMQ key as a client that already adds REDIS_KEY_PREFIX (server/redis.ts) names it,
 * e.g. `queueKey("serving-cpu", "id")` for the queue's job id counter.
 */
export function queueKey(queueName: string, suffix: string): string {
  return `${BULL_KEY_SEGMENT}:${queueName}:${suffix}`;
}
