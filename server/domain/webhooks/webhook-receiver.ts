import { z } from "zod";
import { WEBHOOK_FORMATS, PAGERDUTY_EVENTS_URL } from "@/server/domain/webhooks/webhook-formats";

/** PagerDuty integration keys are 32 characters; we only refuse what cannot be one. */
export const ZRoutingKey = z
  .string()
  .trim()
  .min(1, "a PagerDuty webhook needs its integration (routing) key")
  .max(128, "the routing key is over 128 characters; copy the integration key of the service")
  .regex(/^[A-Za-z0-9_-]+$/, "the routing key may hold letters, digits, '-' and '_' only");

export const ZWebhookFormat = z.enum(WEBHOOK_FORMATS, {
  error: `the format must be one of ${WEBHOOK_FORMATS.join(", ")}`,
});

/** The URL a PagerDuty webhook posts to when none is given. */
export function defaultUrlFor(format: (typeof WEBHOOK_FORMATS)[number]): string | null {
  return format === "pagerduty" ? PAGERDUTY_EVENTS_URL : null;
}
