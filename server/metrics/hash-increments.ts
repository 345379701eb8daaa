import type { ChainableCommander, Redis } from "ioredis";
import { getLogger } from "@/server/logger";

/** While Redis is down every flush fails: one line per this long is enough. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Sums of hash-field increments kept in memory and sent to Redis in one pipeline per interval:
 * what the gateway counts per request, and the worker per session run, costs a map update, not a
 * Redis round trip. Shared by both producers of server/contracts/live-counters.ts.
 */
export class HashIncrements {
  private pending = new Map<string, Map<string, number>>();
  private readonly timer: NodeJS.Timeout;
  private failureLoggedAtMs = 0;

  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    /** Who counts (`gateway`, `serving`) and what (`traffic counters`): for the log line of a failed flush. */
    source: { component: string; counters: string },
    flushIntervalMs = 1_000,
    /** Runs for each key in a flush's pipeline, for what is written with the key (an index of keys). */
    private readonly onKeyFlushed?: (pipeline: ChainableCommander, key: string) => void,
    /** Runs first in every flush, for a producer that sums in shapes of its own and increments then. */
    private readonly beforeFlush?: () => void,
  ) {
    this.timer = setInterval(
      () =>
        void this.flush().catch((error: Error) => {
          if (Date.now() - this.failureLoggedAtMs < FAILURE_LOG_INTERVAL_MS) return;
          this.failureLoggedAtMs = Date.now();
          getLogger().warn(
            { ...source, err: error },
            "counter flush failed; that interval's increments are dropped",
          );
        }),
      flushIntervalMs,
    );
    this.timer.unref();
  }

  increment(key: string, field: string, by: number): void {
    if (by === 0) return;
    let fields = this.pending.get(key);
    if (!fields) {
      fields = new Map();
      this.pending.set(key, fields);
    }
    fields.set(field, (fields.get(field) ?? 0) + by);
  }

  async flush(): Promise<void> {
    this.beforeFlush?.();
    if (this.pending.size === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.pipeline();
    for (const [key, fields] of pending) {
      for (const [field, value] of fields) {
        if (Number.isInteger(value)) pipeline.hincrby(key, field, value);
        else pipeline.hincrbyfloat(key, field, value);
      }
      pipeline.expire(key, this.ttlSeconds);
      this.onKeyFlushed?.(pipeline, key);
    }
    await pipeline.exec();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
