import { z } from "zod";
import { parseEnvironment, readEnv, ZFlag, type Env } from "@/server/env";

const ZGatewayEnv = z.object({
  GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  GATEWAY_HOST: z.string().default("127.0.0.1"),
  /** Larger bodies get 413 before they are parsed. */
  GATEWAY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024),
  /** A request not answered within this gets 504; a client may ask for less with `x-timeout-ms`. */
  GATEWAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /**
   * Rows of one deployment's requests waiting or in flight in this gateway: its limit adapts to
   * the latency of its answers, between this floor (raised to two of the deployment's full
   * batches) and this cap; above the limit, 429.
   */
  GATEWAY_MIN_PENDING_PER_DEPLOYMENT: z.coerce.number().int().positive().default(16),
  GATEWAY_MAX_PENDING_PER_DEPLOYMENT: z.coerce.number().int().positive().default(4096),
  /**
   * A deployment's limit is cut while its answers' median takes more than this many times its
   * no-load median. 1.5 rather than 2: a median held at 2x let the admitted p99 reach 3-7x the
   * no-load p99 at twice capacity; at 1.5x it stayed at 1.3-1.9x (docs/RELIABILITY.md).
   */
  GATEWAY_LATENCY_TOLERANCE: z.coerce.number().gt(1).default(1.5),
  /** Requests between arrival and answer in this gateway, all deployments; above it, 503 on arrival. */
  GATEWAY_MAX_IN_FLIGHT: z.coerce.number().int().positive().default(1024),
  /**
   * Connections the kernel holds for the gateway to accept (capped by net.core.somaxconn). Node's
   * 511 overflowed at twice capacity: a dropped connection waits 1 s, then 3 s, for its SYN to be
   * sent again, where one that waits here is accepted and answered (503 if need be) at once.
   */
  GATEWAY_LISTEN_BACKLOG: z.coerce.number().int().positive().default(4096),
  /**
   * While the event loop runs more than this behind (smoothed over ~50 ms), requests get 503 on
   * arrival. At 50 ms, bursts on a busy 2-core machine tripped it while the gateway kept up.
   */
  GATEWAY_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().positive().default(200),
  /** A request's headers and body must arrive within this, or it gets 408 and its socket closes. */
  GATEWAY_RECEIVE_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /** A socket with no traffic for this long is closed; longer than the request timeout. */
  GATEWAY_IDLE_SOCKET_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /** An idle keep-alive connection is closed after this (raise it above a load balancer's idle timeout). */
  GATEWAY_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** How long a name that matches no deployment is answered 404 without asking Postgres again. */
  GATEWAY_UNKNOWN_NAME_TTL_MS: z.coerce.number().int().positive().default(5_000),
  /** Unknown names remembered at most (least recently used dropped first). */
  GATEWAY_MAX_UNKNOWN_NAMES: z.coerce.number().int().positive().default(10_000),
  /** Postgres lookups per second of one name that matches no deployment; past it, 429. */
  GATEWAY_LOOKUPS_PER_NAME_PER_SECOND: z.coerce.number().int().positive().default(5),
  /**
   * `off` counts nothing (no live counters in Redis, no Prometheus series of requests): only for
   * the bench that measures what counting costs (bench:serving); the console's charts need `on`.
   */
  GATEWAY_COUNTERS: z.enum(["on", "off"]).default("on"),
  /**
   * true: every model and task route needs `Authorization: Bearer mlk_…` (401 without). false
   * (the default for now): a request without a key acts in DEFAULT_TEAM_SLUG; one with a key, in
   * the key's team, limited to its deployments and rate.
   */
  GATEWAY_REQUIRE_API_KEY: ZFlag,
  /** How long a checked key is trusted without asking Postgres again (a revocation drops it at once). */
  GATEWAY_API_KEY_CACHE_TTL_MS: z.coerce.number().int().positive().default(10_000),
  /** Keys (and unknown key ids) remembered at most, least recently used dropped first. */
  GATEWAY_MAX_CACHED_API_KEYS: z.coerce.number().int().positive().default(10_000),
});

export type GatewayEnv = Env & z.infer<typeof ZGatewayEnv>;
let gatewayEnv: GatewayEnv | undefined;

/** server/env.ts plus the gateway's own variables, parsed once per process like readEnv. */
export function readGatewayEnv(): GatewayEnv {
  gatewayEnv ??= { ...readEnv(), ...parseEnvironment(ZGatewayEnv) };
  return gatewayEnv;
}

/**
 * The socket timeouts, derived from the request timeout unless set: receiving a request may take
 * at most a third of its deadline (10 s of 30 s), and an idle socket outlives the longest answer
 * wait by 5 s, so a request waiting on a worker is never cut off for being quiet.
 */
export function socketTimeouts(env: GatewayEnv) {
  return {
    receiveTimeoutMs:
      env.GATEWAY_RECEIVE_TIMEOUT_MS ?? Math.max(1_000, Math.round(env.GATEWAY_REQUEST_TIMEOUT_MS / 3)),
    idleSocketTimeoutMs: env.GATEWAY_IDLE_SOCKET_TIMEOUT_MS ?? env.GATEWAY_REQUEST_TIMEOUT_MS + 5_000,
    keepAliveTimeoutMs: env.GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
  };
}
