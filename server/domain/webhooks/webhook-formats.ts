import type { DeliveredEventType } from "@/server/domain/webhooks/event-types";

/**
 * How a webhook's bodies are written. The outbox stores every event in the standard body
 * (server/contracts/webhook-events.ts); the delivery worker rewrites it (server/contracts/
 * webhook-bodies.ts) for the receiver's format
 * just before it signs and sends it, so a format change applies to deliveries still pending.
 *   standard: the signed JSON event, for receivers of ours
 *   slack: `{"text": ...}`, which Slack incoming webhooks and the chat tools that copy them accept
 *   pagerduty: an Events API v2 event (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/)
 */
export const WEBHOOK_FORMATS = ["standard", "slack", "pagerduty"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const WEBHOOK_FORMAT_LABELS: Record<WebhookFormat, string> = {
  standard: "Standard (signed JSON)",
  slack: "Slack-compatible",
  pagerduty: "PagerDuty Events v2",
};

export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";
/** PagerDuty pages people: it gets alerts and test pings only, never registry news. */
export function formatReceives(format: WebhookFormat, type: DeliveredEventType): boolean {
  if (format !== "pagerduty") return true;
  return type === "alert.fired" || type === "alert.resolved" || type === "webhook.ping";
}
