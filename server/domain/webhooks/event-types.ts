/**
 * The registry events a team's webhooks can subscribe to, by the `type` their bodies carry
 * (server/contracts/webhook-events.ts defines each body). A webhook's event filter is a subset of
 * these; the console's settings page lists them with their labels.
 */
export const WEBHOOK_EVENT_TYPES = [
  "modelVersion.registered",
  "evaluation.finished",
  "deployment.revisionChanged",
  "alert.fired",
  "alert.resolved",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent only on request, to one webhook, whatever its filters: a receiver's first check. */
export const PING_EVENT_TYPE = "webhook.ping";
export type DeliveredEventType = WebhookEventType | typeof PING_EVENT_TYPE;

export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "modelVersion.registered": "Version registered",
  "evaluation.finished": "Evaluation finished",
  "deployment.revisionChanged": "Revision changed",
  "alert.fired": "Alert fired",
  "alert.resolved": "Alert resolved",
};
