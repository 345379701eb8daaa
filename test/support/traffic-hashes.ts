import type { Redis } from "ioredis";
import {
  TRAFFIC_COUNTER_TTL_SECONDS,
  TRAFFIC_MINUTES_KEY,
  trafficKey,
  trafficMinuteMember,
} from "@/server/contracts/live-counters";

/**
 * Writes encoded increments into a minute's traffic hash as the gateway and the worker do
 * (HINCRBY per field, the TTL, the minute in the index), for tests and the bench of the monitor.
 */
export async function writeTrafficIncrements(
  redis: Redis,
  deploymentId: string,
  minuteStartMs: number,
  increments: [field: string, by: number][][],
): Promise<void> {
  const key = trafficKey(deploymentId, minuteStartMs);
  const pipeline = redis.pipeline();
  for (const [field, by] of increments.flat()) pipeline.hincrby(key, field, by);
  pipeline.expire(key, TRAFFIC_COUNTER_TTL_SECONDS);
  pipeline.zadd(TRAFFIC_MINUTES_KEY, minuteStartMs, trafficMinuteMember(deploymentId, minuteStartMs));
  await pipeline.exec();
}
