import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis, logRedisErrors, REDIS_COMMAND_TIMEOUT_MS } from "@/server/contracts/redis-connections";
import {
  WEBHOOK_ATTEMPT_JOB_OPTIONS,
  WEBHOOK_JOB_NAMES,
  WEBHOOK_JOB_SCHEMA_VERSION,
  WEBHOOK_QUEUE_NAME,
  webhookAttemptJobId,
  type WebhookDeliveryJob,
} from "@/server/contracts/webhook-delivery";
import { readEnv } from "@/server/env";
import { getLogger } from "@/server/logger";

type Producer = { queue: Queue<WebhookDeliveryJob>; connection: Redis };
const globalForQueue = globalThis as unknown as { mlopsWebhookQueue?: Producer };

function getWebhookQueue(): Queue<WebhookDeliveryJob> {
  if (!globalForQueue.mlopsWebhookQueue) {
    const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
    const connection = connectRedis("producer", REDIS_URL);
    const queue = new Queue<WebhookDeliveryJob>(WEBHOOK_QUEUE_NAME, {
      connection,
      prefix: bullPrefix(REDIS_KEY_PREFIX),
    });
    logRedisErrors(queue, { component: "webhook-queue" });
    globalForQueue.mlopsWebhookQueue = { queue, connection };
  }
  return globalForQueue.mlopsWebhookQueue.queue;
}

/**
 * Queues the first attempt of deliveries that committed. Never throws: the change they report
 * stands, and a delivery Redis did not take is found by the delivery worker's sweep
 * (workers/webhooks), so a Redis outage delays webhooks but loses none.
 */
export async function queueWebhookDeliveries(deliveryIds: string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  try {
    const queue = getWebhookQueue();
    // The producer profile fails at once while disconnected; a fresh process waits for its
    // first connection, bounded, so a change made while Redis is down answers quickly.
    await Promise.race([
      queue.waitUntilReady(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("Redis is not reachable")), 2 * REDIS_COMMAND_TIMEOUT_MS).unref(),
      ),
    ]);
    await queue.addBulk(
      deliveryIds.map((deliveryId) => ({
        name: WEBHOOK_JOB_NAMES.attempt,
        data: { schemaVersion: WEBHOOK_JOB_SCHEMA_VERSION, deliveryId, attempt: 1 },
        opts: { ...WEBHOOK_ATTEMPT_JOB_OPTIONS, jobId: webhookAttemptJobId(deliveryId, 1) },
      })),
    );
  } catch (error) {
    getLogger().warn(
      { component: "webhook-queue", err: error, deliveries: deliveryIds.length },
      "webhook deliveries recorded but not queued; the delivery worker's sweep sends them",
    );
  }
}

/** For processes that queued deliveries and then exit (scripts, tests): lets them end. */
export async function closeWebhookQueue(): Promise<void> {
  const producer = globalForQueue.mlopsWebhookQueue;
  if (!producer) return;
  globalForQueue.mlopsWebhookQueue = undefined;
  await producer.queue.close();
  await producer.connection.quit().catch(() => producer.connection.disconnect());
}
