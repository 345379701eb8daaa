import { signWebhook, ZWebhookEvent } from "@/server/contracts/webhook-events";
import { bodyForFormat } from "@/server/contracts/webhook-bodies";
import type { WebhookFormat } from "@/server/domain/webhooks/webhook-formats";
import { attemptFailureSentence, isDelivered } from "@/server/domain/webhooks/attempt-outcome";
import { nextRetryDelayMs } from "@/server/domain/webhooks/retry-schedule";
import { getDb } from "@/server/db";
import { decryptWebhookSecret, WebhookSecretUnreadableError } from "@/server/services/webhook/webhook-secret";
import { postWebhook, type PostedAttempt } from "@/workers/webhooks/post-webhook";

/** While an attempt runs its row is due this long after its timeout: then the sweep takes it again. */
export const IN_FLIGHT_GRACE_MS = 30_000;

export interface AttemptSettings {
  timeoutMs: number;
  retryDelaysMs: readonly number[];
  /** Queues attempt `attempt` of the delivery to run after `delayMs`. */
  queueRetry(deliveryId: string, attempt: number, delayMs: number): Promise<void>;
}

export type AttemptResult = "delivered" | "retrying" | "failed" | "skipped";

/**
 * Attempt `attempt` of one delivery: claimed on its row first (the attempt counter moves from
 * attempt - 1 to attempt), so a duplicate job, or one whose attempt already ran, does nothing.
 * The outcome is written to the row; a failure is retried by a new delayed job at the backoff,
 * or fails the delivery when no attempt is left.
 */
export async function deliverAttempt(
  { deliveryId, attempt }: { deliveryId: string; attempt: number },
  settings: AttemptSettings,
): Promise<AttemptResult> {
  const db = getDb();
  const delivery = await db.webhookDelivery.findUnique({
    where: { id: deliveryId },
    select: {
      eventId: true,
      body: true,
      status: true,
      attempts: true,
      webhook: {
        select: {
          url: true,
          secretCiphertext: true,
          routingKeyCiphertext: true,
          format: true,
          enabled: true,
        },
      },
    },
  });
  if (!delivery || delivery.status !== "pending" || delivery.attempts !== attempt - 1) return "skipped";
  const claim = { id: deliveryId, status: "pending" as const, attempts: attempt - 1 };
  if (!delivery.webhook.enabled) {
    await db.webhookDelivery.updateMany({
      where: claim,
      data: {
        status: "failed",
        lastError: "the webhook was disabled before this was sent",
        nextAttemptAt: null,
      },
    });
    return "failed";
  }
  const startedAt = new Date();
  const claimed = await db.webhookDelivery.updateMany({
    where: claim,
    data: {
      attempts: attempt,
      lastAttemptAt: startedAt,
      nextAttemptAt: new Date(startedAt.getTime() + settings.timeoutMs + IN_FLIGHT_GRACE_MS),
    },
  });
  if (claimed.count === 0) return "skipped";

  const posted = await post(delivery, settings.timeoutMs);
  const mine = { id: deliveryId, status: "pending" as const, attempts: attempt };
  const answer = {
    lastStatusCode: posted.outcome.kind === "answered" ? posted.outcome.status : null,
    lastResponseExcerpt: posted.excerpt,
    lastDurationMs: posted.durationMs,
  };
  if (isDelivered(posted.outcome)) {
    await db.webhookDelivery.updateMany({
      where: mine,
      data: { ...answer, status: "delivered", lastError: null, deliveredAt: new Date(), nextAttemptAt: null },
    });
    return "delivered";
  }
  const lastError = attemptFailureSentence(posted.outcome);
  const delayMs = nextRetryDelayMs(attempt, settings.retryDelaysMs);
  if (delayMs === null) {
    await db.webhookDelivery.updateMany({
      where: mine,
      data: { ...answer, status: "failed", lastError, nextAttemptAt: null },
    });
    return "failed";
  }
  await db.webhookDelivery.updateMany({
    where: mine,
    data: { ...answer, lastError, nextAttemptAt: new Date(Date.now() + delayMs) },
  });
  await settings.queueRetry(deliveryId, attempt + 1, delayMs);
  return "retrying";
}

/**
 * The POST, written in the webhook's format and signed now; a secret this worker cannot read
 * fails the attempt like an unreachable receiver would, so fixing the worker's key within the
 * retries still delivers. Slack and PagerDuty ignore the signature headers; they cost nothing.
 */
async function post(
  delivery: {
    eventId: string;
    body: string;
    webhook: {
      url: string;
      secretCiphertext: string;
      routingKeyCiphertext: string | null;
      format: WebhookFormat;
    };
  },
  timeoutMs: number,
): Promise<PostedAttempt> {
  const { webhook } = delivery;
  let secret: string;
  let routingKey: string | null = null;
  try {
    secret = decryptWebhookSecret(webhook.secretCiphertext);
    if (webhook.routingKeyCiphertext) routingKey = decryptWebhookSecret(webhook.routingKeyCiphertext);
  } catch (error) {
    if (!(error instanceof WebhookSecretUnreadableError)) throw error;
    return { outcome: { kind: "unsigned", reason: error.message }, excerpt: null, durationMs: 0 };
  }
  const body =
    webhook.format === "standard"
      ? delivery.body
      : bodyForFormat(
          delivery.body,
          ZWebhookEvent.parse(JSON.parse(delivery.body)),
          webhook.format,
          routingKey,
        );
  const headers = signWebhook({ secret, id: delivery.eventId, body });
  return postWebhook({ url: webhook.url, body, headers, timeoutMs });
}
