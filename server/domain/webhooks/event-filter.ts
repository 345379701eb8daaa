import { z } from "zod";
import { ZResourceName } from "@/server/domain/resource-name";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "@/server/domain/webhooks/event-types";

/** The most model names one webhook may list: a longer list is better served by no filter. */
export const MAX_MODEL_FILTER_NAMES = 100;

export const ZEventTypeFilter = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .transform((types) => [...new Set(types)]);
export const ZModelNameFilter = z
  .array(ZResourceName)
  .max(MAX_MODEL_FILTER_NAMES, `at most ${MAX_MODEL_FILTER_NAMES} model names`)
  .transform((names) => [...new Set(names)]);

/** Each list empty means "all": a webhook with no filters gets every event of its team. */
export const ZWebhookFilters = z.object({
  eventTypes: ZEventTypeFilter.default([]),
  modelNames: ZModelNameFilter.default([]),
});
export type WebhookFilters = z.output<typeof ZWebhookFilters>;

/** What a filter looks at: the event's type and the model it is about (null: about none). */
export interface FilteredEvent {
  type: WebhookEventType;
  modelName: string | null;
}

/**
 * Whether a webhook with these filters receives the event. An event about no model (an alert
 * rule of no deployment) reaches only webhooks that do not filter by model. Stored filters are
 * plain strings: a type no longer produced still matches nothing rather than everything.
 */
export function webhookWants(
  filters: { eventTypes: readonly string[]; modelNames: readonly string[] },
  event: FilteredEvent,
): boolean {
  const typeMatches = filters.eventTypes.length === 0 || filters.eventTypes.includes(event.type);
  const modelMatches =
    filters.modelNames.length === 0 ||
    (event.modelName !== null && filters.modelNames.includes(event.modelName));
  return typeMatches && modelMatches;
}
