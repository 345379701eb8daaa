import type { Redis } from "ioredis";
import { getDb, type Db } from "@/server/db";
import { getRedis } from "@/server/redis";

export interface DependencyHealth {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

const TIMEOUT_MS = 2_000;

/** Readiness of what the web process depends on, each with how long it took to answer. */
export async function checkHealth({ db = getDb(), redis = getRedis() }: { db?: Db; redis?: Redis } = {}) {
  const [postgres, redisHealth] = await Promise.all([
    probe(async () => {
      await db.$queryRaw`SELECT 1`;
    }),
    probe(async () => {
      if (redis.status === "wait") await redis.connect();
      await redis.ping();
    }),
  ]);
  return { ok: postgres.ok && redisHealth.ok, postgres, redis: redisHealth };
}

async function probe(check: () => Promise<void>): Promise<DependencyHealth> {
  const startedMs = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - startedMs) };
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - startedMs),
      error: (error as Error).message,
    };
  } finally {
    clearTimeout(timer);
  }
}
