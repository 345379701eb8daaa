import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { queuedJobsKey, type QueuedAnswers, type QueuedBatch, type QueuedTensor } from "./queued-protocol";

/**
 * Baseline (d) of bench/serving.ts, its HTTP side: the smallest queued design that does the
 * gateway's job. Requests that arrive in one turn of the event loop go to the job list as one
 * item (RPUSH); one connection waits on this server's reply list (BLPOP) and answers each request
 * by its ticket. No validation, no deadlines, no counters, no shedding: the physical cost of one
 * hop through Redis on this machine. Run as its own process:
 * `REDIS_URL=... D_PREFIX=... D_MODEL_NAME=... node --import tsx bench/queued/queued-server.ts`.
 */

const prefix = process.env.D_PREFIX ?? "bench:";
const modelName = process.env.D_MODEL_NAME ?? "model";
const replyTo = `${prefix}d:replies:${randomUUID()}`;
const commands = new Redis(process.env.REDIS_URL!);
const replies = new Redis(process.env.REDIS_URL!);

type Pending = { id: string | undefined; answer: (text: string) => void };
const waiting = new Map<number, Pending>();
let nextTicket = 0;
let batch: QueuedBatch["requests"] = [];

function enqueue(inputs: QueuedTensor[], pending: Pending): void {
  const ticket = nextTicket++;
  waiting.set(ticket, pending);
  if (batch.length === 0) setImmediate(flush);
  batch.push({ ticket, inputs });
}

function flush(): void {
  const requests = batch;
  batch = [];
  void commands.rpush(queuedJobsKey(prefix), JSON.stringify({ replyTo, requests } satisfies QueuedBatch));
}

async function receiveReplies(): Promise<void> {
  for (;;) {
    const popped = await replies.blpop(replyTo, 0);
    if (!popped) continue;
    const { answers } = JSON.parse(popped[1]) as QueuedAnswers;
    for (const { ticket, outputs } of answers) {
      const pending = waiting.get(ticket)!;
      waiting.delete(ticket);
      pending.answer(
        JSON.stringify({
          model_name: modelName,
          model_version: "1",
          ...(pending.id !== undefined && { id: pending.id }),
          outputs,
        }),
      );
    }
  }
}

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
      id?: string;
      inputs: QueuedTensor[];
    };
    enqueue(body.inputs, {
      id: body.id,
      answer: (text) =>
        response
          .writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
          .end(text),
    });
  });
});
server.keepAliveTimeout = 60_000;
void receiveReplies();
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
console.log(`queued server listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
