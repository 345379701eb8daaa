import { STATUS_CODES } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import { errorBody } from "@/server/domain/inference/v2-responses";
import { REQUEST_ID_HEADER } from "@/server/request-id";

/**
 * Bytes of an oversized body read and dropped after its 413, at most: a client that writes a body
 * of up to this much past the limit reads the answer; a larger one is cut off. The receive timeout
 * bounds the time it may take (Node's request timeout, answered in app.ts's answerClientError).
 */
export const MAX_DISCARDED_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Answers 413 to a body over the limit so that the client reads it. Through the response, Node
 * closes the socket as soon as a `connection: close` answer is written, while the rest of the body
 * still arrives: the kernel then resets the connection, and a client still writing gets EPIPE (or
 * ECONNRESET) instead of the answer waiting for it. So the answer is written on the socket itself,
 * the socket's sending side is closed after it (the client reads the answer, then the end), and
 * what still arrives is read and dropped until the body ends, when the socket is closed; past
 * `maxDiscardedBytes` it is destroyed at once.
 */
export function answerOversizedBody(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: { message: string; maxDiscardedBytes: number },
): void {
  const body = JSON.stringify(errorBody(answer.message));
  reply.hijack();
  const socket = request.raw.socket;
  socket.end(
    `HTTP/1.1 413 ${STATUS_CODES[413]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n${REQUEST_ID_HEADER}: ${request.id}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
  let discardedBytes = 0;
  const incoming = request.raw;
  incoming.on("data", (chunk: Buffer) => {
    discardedBytes += chunk.length;
    if (discardedBytes > answer.maxDiscardedBytes) socket.destroy();
  });
  // Everything the client sent is read: closing now resets nothing (after the answer is flushed).
  if (incoming.readableEnded) socket.destroySoon();
  else incoming.once("end", () => socket.destroySoon());
  socket.once("close", () =>
    request.log.info({ statusCode: 413, discardedBytes }, "request answered: body over the limit"),
  );
}
