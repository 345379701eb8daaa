import type { IncomingHttpHeaders } from "node:http";
import type { FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import { apiKeyMinuteKey } from "@/server/contracts/api-keys";
import {
  authorize,
  deploymentScopeProblem,
  mayReachDeployment,
  type Caller,
} from "@/server/domain/access/caller";
import { AppError } from "@/server/domain/app-error";
import type { ApiKeyCache } from "@/server/gateway/api-key-cache";
import { apiKeyIdOrThrow, callerOfApiKey } from "@/server/services/auth/authenticate-api-key";
import { noteApiKeyUse } from "@/server/services/auth/note-api-key-use";
import { bearerTokenOf } from "@/server/services/auth/resolve-caller";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the gateway's onRequest hook on model and task routes (api-key-auth.ts). */
    caller: Caller | null;
  }
}

const MINUTE_MS = 60_000;

/** Who calls a model or task route: set by the gateway's onRequest hook before any handler. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error(`route ${request.routeOptions.url} has no caller`);
  return request.caller;
}

/** The team a model or task route acts in. */
export function teamIdOf(request: FastifyRequest): string {
  return callerOf(request).teamId;
}

/**
 * Who calls the gateway: the API key's team, deployments and rate, or, without a key and unless
 * GATEWAY_REQUIRE_API_KEY is true, the default team. A key sees only its own team's
 * deployments, so another team's name reads as unknown (404) and its existence is never told.
 */
export class ApiKeyAuth {
  constructor(
    private readonly options: {
      cache: ApiKeyCache;
      /** Counts each key's requests per wall-clock minute, shared by every gateway. */
      redis: Redis;
      /** Who a request without a key is, or null when a key is required. */
      keyless: Caller | null;
      nowMs?: () => number;
    },
  ) {}

  /**
   * The caller of a request to `deploymentName` (unset for task routes); UNAUTHORIZED, FORBIDDEN
   * (out of the key's deployments) or TOO_MANY_REQUESTS (over the key's rate) otherwise. A
   * request the gateway makes to itself for an async task was counted as it arrived: `counted`.
   */
  async callerOf(
    headers: IncomingHttpHeaders,
    { deploymentName, counted = false }: { deploymentName?: string; counted?: boolean },
  ): Promise<Caller> {
    const token = bearerTokenOf(headers.authorization);
    if (token === null) {
      if (this.options.keyless) return this.options.keyless;
      throw new AppError("UNAUTHORIZED", "this gateway needs an API key: send 'Authorization: Bearer mlk_…'");
    }
    const id = apiKeyIdOrThrow(token);
    const stored = await this.options.cache.get(id);
    const caller = callerOfApiKey(token, stored, new Date(this.now()));
    authorize(caller, "infer");
    if (deploymentName !== undefined && !mayReachDeployment(caller, deploymentName))
      throw new AppError("FORBIDDEN", deploymentScopeProblem(caller.deploymentNames ?? [], deploymentName));
    const requestsPerMinute = stored?.requestsPerMinute ?? null;
    if (!counted && requestsPerMinute !== null) await this.count(id, requestsPerMinute);
    noteApiKeyUse(id);
    return caller;
  }

  /** A fixed window per wall-clock minute: simple, and at most twice the rate across a boundary. */
  private async count(apiKeyId: string, requestsPerMinute: number): Promise<void> {
    const nowMs = this.now();
    const minute = Math.floor(nowMs / MINUTE_MS);
    const key = apiKeyMinuteKey(apiKeyId, minute);
    let count: number;
    try {
      const replies = await this.options.redis
        .multi()
        .incr(key)
        .pexpire(key, 2 * MINUTE_MS)
        .exec();
      const [error, value] = replies?.[0] ?? [new Error("no reply"), null];
      if (error) throw error;
      count = Number(value);
    } catch (error) {
      throw new AppError(
        "UNAVAILABLE",
        "the API key's request rate cannot be counted: Redis is unavailable",
        {
          retryAfterSeconds: 1,
          cause: error,
        },
      );
    }
    if (count <= requestsPerMinute) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(((minute + 1) * MINUTE_MS - nowMs) / 1000));
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `this API key may make ${requestsPerMinute} requests a minute; retry in ${retryAfterSeconds} s`,
      { retryAfterSeconds },
    );
  }

  private now(): number {
    return this.options.nowMs?.() ?? Date.now();
  }
}
