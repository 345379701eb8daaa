import { randomUUID } from "node:crypto";
import {
  decodeServingJobResult,
  servingReplyListKey,
  type ServingJobResult,
  type ServingReply,
} from "@/server/contracts/serving";
import { readServingReplies } from "@/server/gateway/serving-replies";
import { getLogger } from "@/server/logger";

/**
 * A reply list of a test's own, read with the gateway's reader, for tests that put serving jobs
 * on a queue themselves: jobs carry `replyTo`, and `result(jobId)` waits for their reply.
 */
export function replyInbox(redisUrl: string, keyPrefix: string) {
  const arrived = new Map<string, ServingReply>();
  const waiters = new Map<string, (reply: ServingReply) => void>();
  const replyTo = servingReplyListKey(keyPrefix, `test-${randomUUID()}`);
  const reader = readServingReplies({
    redisUrl,
    listKey: replyTo,
    onReply: (reply) => {
      const waiter = waiters.get(reply.jobId);
      if (waiter) waiter(reply);
      else arrived.set(reply.jobId, reply);
    },
    onConnectionLost: () => undefined,
    log: getLogger(),
  });
  return {
    replyTo,
    reply(jobId: string, timeoutMs: number): Promise<ServingReply> {
      const early = arrived.get(jobId);
      if (early) return Promise.resolve(early);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no reply to job ${jobId} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.set(jobId, (reply) => {
          clearTimeout(timer);
          waiters.delete(jobId);
          resolve(reply);
        });
      });
    },
    /** The job's result, its tensors decoded as the gateway does; a failed job rejects with the worker's reason. */
    async result(jobId: string, timeoutMs = 50_000): Promise<ServingJobResult> {
      const reply = await this.reply(jobId, timeoutMs);
      if (!reply.ok) throw new Error(reply.reason);
      return decodeServingJobResult(reply.result);
    },
    close: () => reader.close(),
  };
}
