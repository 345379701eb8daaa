import type { FastifyReply, FastifyRequest } from "fastify";
import { errorBody } from "@/server/domain/inference/v2-responses";
import { REQUEST_ID_HEADER } from "@/server/request-id";

/**
 * Answers `{"error": message}` on the raw response, past Fastify's reply (hijacked): for answers
 * made before the body is read or while it still arrives (a refusal at arrival, a slow body's
 * 408), and as cheaply as can be, since under overload it is what the gateway does most.
 * `onSent` runs once the answer is written.
 */
export function answerRaw(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: { status: number; message: string; headers?: Record<string, string>; onSent?: () => void },
): void {
  const body = JSON.stringify(errorBody(answer.message));
  reply.hijack();
  reply.raw.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    [REQUEST_ID_HEADER]: request.id,
    ...answer.headers,
  });
  reply.raw.end(body, answer.onSent);
}
