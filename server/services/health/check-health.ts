import type { Redis } from "ioredis";
import { getDb, type Db } from "@/server/db";
import { getLogger } from "@/server/logger";
import { getRedis } from "@/server/redis";

export interface DependencyHealth {
  ok: boolean;
  latencyMs: number;
  /** What went wrong, without addresses or driver messages (those go to the log). */
  error?: string;
}

const TIMEOUT_MS = 2_000;

/** Readiness of what the web process depends on, each with how long it took to answer. */
export async function checkHealth({ db = getDb(), redis = getRedis() }: { db?: Db; redis?: Redis } = {}) {
  const [postgres, redisHealth] = await Promise.all([
    probe("postgres", async () => {
      await db.$queryRaw`SELECT 1`;
    }),
    probe("redis", async () => {
      if (redis.status === "wait") await redis.connect();
      await redis.ping();
    }),
  ]);
  return { ok: postgres.ok && redisHealth.ok, postgres, redis: redisHealth };
}

async function probe(dependency: string, check: () => Promise<void>): Promise<DependencyHealth> {
  const startedMs = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ProbeTimeout()), TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - startedMs) };
  } catch (error) {
    // The health route answers anyone: the driver's message (with the dependency's address)
    // stays in the log.
    getLogger().warn({ err: error, dependency }, "health check failed");
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - startedMs),
      error: error instanceof ProbeTimeout ? `no answer within ${TIMEOUT_MS} ms` : "not reachable",
    };
  } finally {
    clearTimeout(timer);
  }
}

class ProbeTimeout extends Error {}
