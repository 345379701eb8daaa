"use client";

import {
  WEBHOOK_EVENT_LABELS,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from "@/server/domain/webhooks/event-types";

/** The event filter: none ticked means every event. */
export function EventTypeCheckboxes({
  idPrefix,
  value,
  onChange,
}: {
  idPrefix: string;
  value: WebhookEventType[];
  onChange: (value: WebhookEventType[]) => void;
}) {
  return (
    <fieldset>
      <legend className="block text-sm font-medium text-slate-700">Events</legend>
      <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <label key={type} htmlFor={`${idPrefix}-${type}`} className="flex items-center gap-1.5 text-sm">
            <input
              id={`${idPrefix}-${type}`}
              type="checkbox"
              checked={value.includes(type)}
              onChange={(event) =>
                onChange(event.target.checked ? [...value, type] : value.filter((other) => other !== type))
              }
            />
            {WEBHOOK_EVENT_LABELS[type]}
            <code className="text-xs text-slate-500">{type}</code>
          </label>
        ))}
      </div>
      <p className="mt-1 text-xs text-slate-500">None ticked: every event.</p>
    </fieldset>
  );
}

/** "fraud, churn" as the model filter's list. */
export function modelNamesOf(text: string): string[] {
  return text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}
