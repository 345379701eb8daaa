import { describe, expect, it } from "vitest";
import { ZWebhookEvent, type WebhookEvent } from "@/server/contracts/webhook-events";
import { bodyForFormat, PAGERDUTY_SUMMARY_MAX_CHARS } from "@/server/contracts/webhook-bodies";
import { formatReceives } from "@/server/domain/webhooks/webhook-formats";

const episode = {
  ruleNumber: 3,
  ruleName: "fraud drift",
  episodeNumber: 2,
  metric: "drift_share",
  comparator: ">=",
  threshold: 0.5,
  windowMinutes: 60,
  message: "fraud drift: drift_share is 0.57, >= 0.5 over 60 min on card-fraud-prod",
  deploymentName: "card-fraud-prod",
  modelName: "card-fraud",
  startedAt: "2026-12-03T07:00:00.000Z",
  firedAt: "2026-12-03T07:01:00.000Z",
};
const fired: WebhookEvent = ZWebhookEvent.parse({
  id: "evt_1",
  type: "alert.fired",
  occurredAt: "2026-12-03T07:01:00.000Z",
  teamSlug: "acme",
  data: { ...episode, value: 0.57 },
});
const resolved: WebhookEvent = ZWebhookEvent.parse({
  id: "evt_2",
  type: "alert.resolved",
  occurredAt: "2026-12-03T07:20:00.000Z",
  teamSlug: "acme",
  data: { ...episode, message: "fraud drift resolved", value: 0.1, resolvedAt: "2026-12-03T07:20:00.000Z" },
});
const stored = (event: WebhookEvent) => JSON.stringify(event);

describe("webhook formats", () => {
  it("sends the stored body unchanged to a standard webhook", () => {
    expect(bodyForFormat(stored(fired), fired, "standard", null)).toBe(stored(fired));
  });

  it("writes Slack's incoming-webhook body: one text field", () => {
    const body = JSON.parse(bodyForFormat(stored(fired), fired, "slack", null));
    expect(body).toEqual({ text: `:rotating_light: Alert firing [acme]: ${episode.message}` });
    expect(JSON.parse(bodyForFormat(stored(resolved), resolved, "slack", null)).text).toBe(
      ":white_check_mark: Alert resolved [acme]: fraud drift resolved",
    );
  });

  // Fields as the Events API v2 documents them:
  // https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and .../resolve-events/
  it("writes a PagerDuty trigger with routing key, dedup key per episode and the required payload", () => {
    const body = JSON.parse(bodyForFormat(stored(fired), fired, "pagerduty", "R0UTINGKEY"));
    expect(body).toMatchObject({
      routing_key: "R0UTINGKEY",
      event_action: "trigger",
      dedup_key: "mlops/acme/alert-rule-3/episode-2",
      payload: {
        summary: episode.message,
        source: "card-fraud-prod",
        severity: "critical",
        timestamp: "2026-12-03T07:01:00.000Z",
        component: "card-fraud",
        class: "drift_share",
      },
    });
    expect(["critical", "error", "warning", "info"]).toContain(body.payload.severity);
  });

  it("resolves the same PagerDuty incident with the same dedup key and no payload", () => {
    expect(JSON.parse(bodyForFormat(stored(resolved), resolved, "pagerduty", "R0UTINGKEY"))).toEqual({
      routing_key: "R0UTINGKEY",
      event_action: "resolve",
      dedup_key: "mlops/acme/alert-rule-3/episode-2",
    });
  });

  it("cuts a PagerDuty summary to its 1,024 characters", () => {
    const long = ZWebhookEvent.parse({ ...fired, data: { ...fired.data, message: "x".repeat(5_000) } });
    const body = JSON.parse(bodyForFormat(stored(long), long, "pagerduty", "K"));
    expect(body.payload.summary).toHaveLength(PAGERDUTY_SUMMARY_MAX_CHARS);
  });

  it("keeps registry news away from PagerDuty, not from the others", () => {
    expect(formatReceives("pagerduty", "modelVersion.registered")).toBe(false);
    expect(formatReceives("pagerduty", "alert.resolved")).toBe(true);
    expect(formatReceives("pagerduty", "webhook.ping")).toBe(true);
    expect(formatReceives("slack", "modelVersion.registered")).toBe(true);
  });
});
