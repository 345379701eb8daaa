import type { Redis } from "ioredis";
import { getDb, type Db } from "@/server/db";
import { getLogger } from "@/server/logger";
import { getRedis } from "@/server/redis";
import { withTimeout } from "@/server/with-timeout";

export interface DependencyHealth {
  ok: boolean;
  latencyMs: number;
  /** What went wrong, without addresses or driver messages (those go to the log). */
  error?: string;
}

/**
 * Readiness of what the web process depends on, each with how long it took to answer; a
 * dependency that does not answer within `timeoutMs` is down.
 */
export async function checkHealth({
  db = getDb(),
  redis = getRedis(),
  timeoutMs = 2_000,
}: { db?: Db; redis?: Redis; timeoutMs?: number } = {}) {
  const [postgres, redisHealth] = await Promise.all([
    probe("postgres", timeoutMs, async () => {
      await db.$queryRaw`SELECT 1`;
    }),
    probe("redis", timeoutMs, async () => {
      if (redis.status === "wait") await redis.connect();
      await redis.ping();
    }),
  ]);
  return { ok: postgres.ok && redisHealth.ok, postgres, redis: redisHealth };
}

async function probe(
  dependency: string,
  timeoutMs: number,
  check: () => Promise<void>,
): Promise<DependencyHealth> {
  const startedMs = performance.now();
  try {
    await withTimeout(check(), timeoutMs, () => new ProbeTimeout());
    return { ok: true, latencyMs: Math.round(performance.now() - startedMs) };
  } catch (error) {
    // The health route answers anyone: the driver's message (with the dependency's address)
    // stays in the log.
    getLogger().warn({ err: error, dependency }, "health check failed");
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - startedMs),
      error: error instanceof ProbeTimeout ? `no answer within ${timeoutMs} ms` : "not reachable",
    };
  }
}

class ProbeTimeout extends Error {}
