import type { WebhookEvent } from "@/server/contracts/webhook-events";
import type { WebhookFormat } from "@/server/domain/webhooks/webhook-formats";

/**
 * The bodies a Slack-compatible or PagerDuty webhook receives, written by the delivery worker
 * (workers/webhooks/deliver-attempt.ts) from the stored standard event just before sending.
 * Consumers: Slack incoming webhooks (and chat tools that accept their `{"text"}`), PagerDuty's
 * Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/).
 */

/** PagerDuty truncates a longer summary; we cut it ourselves, visibly. */
export const PAGERDUTY_SUMMARY_MAX_CHARS = 1_024;

/** One line a person reads in a chat or an incident title. */
export function eventSummary(event: WebhookEvent): string {
  switch (event.type) {
    case "alert.fired":
    case "alert.resolved":
      return event.data.message;
    case "modelVersion.registered":
      return `${event.data.modelName} v${event.data.versionNumber} was registered`;
    case "evaluation.finished":
      return `evaluation #${event.data.evaluationNumber} of ${event.data.modelName} v${event.data.versionNumber} on ${event.data.goldenSetName} ${event.data.status}`;
    case "deployment.revisionChanged":
      return `${event.data.deploymentName}: ${event.data.change} made revision ${event.data.revision.number}`;
    case "webhook.ping":
      return `${event.data.message} (webhook #${event.data.webhookNumber})`;
  }
}

const SLACK_PREFIX: Partial<Record<WebhookEvent["type"], string>> = {
  "alert.fired": ":rotating_light: Alert firing",
  "alert.resolved": ":white_check_mark: Alert resolved",
};

export function slackBody(event: WebhookEvent): string {
  const prefix = SLACK_PREFIX[event.type] ?? event.type;
  return JSON.stringify({ text: `${prefix} [${event.teamSlug}]: ${eventSummary(event)}` });
}

/** The key PagerDuty groups an alert's trigger and resolve by: one incident per episode. */
export function pagerDutyDedupKey(event: WebhookEvent): string {
  if (event.type === "alert.fired" || event.type === "alert.resolved")
    return `mlops/${event.teamSlug}/alert-rule-${event.data.ruleNumber}/episode-${event.data.episodeNumber}`;
  return `mlops/${event.teamSlug}/${event.id}`;
}

export function pagerDutyBody(event: WebhookEvent, routingKey: string): string {
  const dedup_key = pagerDutyDedupKey(event);
  if (event.type === "alert.resolved")
    return JSON.stringify({ routing_key: routingKey, event_action: "resolve", dedup_key });
  const summary = eventSummary(event);
  const source =
    event.type === "alert.fired" && event.data.deploymentName ? event.data.deploymentName : event.teamSlug;
  return JSON.stringify({
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key,
    payload: {
      summary:
        summary.length > PAGERDUTY_SUMMARY_MAX_CHARS
          ? `${summary.slice(0, PAGERDUTY_SUMMARY_MAX_CHARS - 1)}…`
          : summary,
      source,
      severity: event.type === "alert.fired" ? "critical" : "info",
      timestamp: event.occurredAt,
      component: event.type === "alert.fired" ? (event.data.modelName ?? undefined) : undefined,
      group: event.teamSlug,
      class: event.type === "alert.fired" ? event.data.metric : event.type,
      custom_details: event.data,
    },
  });
}

/** The bytes sent to a receiver of `format`, from the stored standard body. */
export function bodyForFormat(
  storedBody: string,
  event: WebhookEvent,
  format: WebhookFormat,
  routingKey: string | null,
): string {
  if (format === "slack") return slackBody(event);
  if (format === "pagerduty") return pagerDutyBody(event, routingKey ?? "");
  return storedBody;
}
