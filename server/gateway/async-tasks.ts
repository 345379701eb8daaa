import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance, FastifyRequest, RawServerDefault } from "fastify";
import type { Redis } from "ioredis";
import { z } from "zod";
import { asyncTaskKey, ZAsyncTaskState, type AsyncTaskState } from "@/server/contracts/batch";
import { AppError } from "@/server/domain/app-error";
import { INFERENCE_HEADER_LENGTH } from "@/server/domain/inference/v2-binary-tensors";
import { teamIdOf } from "@/server/gateway/api-key-auth";
import { parseEnvironment } from "@/server/env";
import type { Logger } from "@/server/logger";
import { getRedis } from "@/server/redis";

const ZAsyncTaskEnv = z.object({
  /** How long an async task's answer stays readable after it is asked for (and after it finishes). */
  GATEWAY_ASYNC_TASK_TTL_SECONDS: z.coerce.number().int().positive().default(3_600),
});

/** RFC 7240: `prefer: respond-async` (among other preferences, in any case). */
function prefersAsync(request: FastifyRequest): boolean {
  const prefer = request.headers.prefer;
  const values = Array.isArray(prefer) ? prefer : prefer ? [prefer] : [];
  return values.some((value) =>
    value.split(",").some((token) => token.split(";")[0]!.trim().toLowerCase() === "respond-async"),
  );
}

const PASSED_ON = new Set(["prefer", "content-length", "host", "connection", "transfer-encoding"]);

/** Carries the gateway's own token on the call it makes to itself (app.ts: not counted twice). */
export const INNER_CALL_HEADER = "x-mlops-inner-call";

/**
 * Asynchronous inference: `POST /v2/models/{name}/infer` (or its versioned form) with
 * `prefer: respond-async` answers 202 at once with a task id and `location: /v2/tasks/{id}`;
 * the gateway then makes the synchronous call itself (through its own routes, so admission,
 * validation, batching and the answer are exactly the synchronous ones) and keeps the status,
 * headers and body in Redis for GATEWAY_ASYNC_TASK_TTL_SECONDS. `GET /v2/tasks/{id}` answers
 * 202 while pending and, once done, exactly what the synchronous call answered. A task whose
 * gateway stops before it finishes stays pending until its TTL passes; the client asks again.
 * A task is its team's: another team's key reads it as unknown.
 */
export function registerAsyncTasks(
  app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, Logger>,
  { innerCallToken, redis = getRedis() }: { innerCallToken: string; redis?: Redis },
): void {
  const ttlSeconds = parseEnvironment(ZAsyncTaskEnv).GATEWAY_ASYNC_TASK_TTL_SECONDS;
  const save = (taskId: string, state: AsyncTaskState) =>
    redis.set(asyncTaskKey(taskId), JSON.stringify(state), "EX", ttlSeconds);

  app.addHook("preHandler", async (request, reply) => {
    if (request.method !== "POST" || !request.routeOptions.url?.endsWith("/infer") || !prefersAsync(request))
      return;
    const taskId = randomUUID();
    const createdAtMs = Date.now();
    const teamId = teamIdOf(request);
    await save(taskId, { status: "pending", createdAtMs, teamId });
    const headers = {
      ...(Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !PASSED_ON.has(name)),
      ) as Record<string, string>),
      [INNER_CALL_HEADER]: innerCallToken,
    };
    const body = request.body;
    void app
      .inject({
        method: "POST",
        url: request.url,
        headers,
        payload: Buffer.isBuffer(body) || typeof body === "string" ? body : JSON.stringify(body),
      })
      .then((answer) => {
        const binary = answer.headers[INFERENCE_HEADER_LENGTH] !== undefined;
        return save(taskId, {
          status: "done",
          createdAtMs,
          teamId,
          finishedAtMs: Date.now(),
          statusCode: answer.statusCode,
          headers: answeredHeaders(answer.headers),
          ...(binary
            ? { body: answer.rawPayload.toString("base64"), bodyEncoding: "base64" }
            : { body: answer.body }),
        });
      })
      .catch((error: unknown) =>
        request.log.warn({ err: error, taskId }, "async inference task was not saved"),
      );
    return reply
      .code(202)
      .headers({ location: `/v2/tasks/${taskId}`, "preference-applied": "respond-async" })
      .send({ id: taskId, status: "pending" });
  });

  app.get<{ Params: { id: string } }>("/v2/tasks/:id", async (request, reply) => {
    const raw = await redis.get(asyncTaskKey(request.params.id));
    const state = raw === null ? null : ZAsyncTaskState.parse(JSON.parse(raw));
    if (state === null || (state.teamId !== undefined && state.teamId !== teamIdOf(request)))
      throw new AppError(
        "NOT_FOUND",
        `no task '${request.params.id}': it never existed or its answer was kept only ${ttlSeconds} s`,
      );
    if (state.status === "pending")
      return reply.code(202).header("retry-after", "1").send({ id: request.params.id, status: "pending" });
    return reply
      .code(state.statusCode)
      .headers(state.headers)
      .header("x-task-status", "done")
      .send(state.bodyEncoding === "base64" ? Buffer.from(state.body, "base64") : state.body);
  });
}

/** The answer's own headers (content type, model version, revision), not the connection's. */
function answeredHeaders(
  headers: Record<string, string | string[] | number | undefined>,
): Record<string, string> {
  const kept = ["content-type", "x-model-version", "x-revision", "retry-after", INFERENCE_HEADER_LENGTH];
  return Object.fromEntries(
    kept.flatMap((name) => (headers[name] === undefined ? [] : [[name, String(headers[name])]])),
  );
}
