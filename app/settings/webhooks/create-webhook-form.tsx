"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { Button, Card, ErrorState, TextField } from "@/app/_components/ui";
import { SELECT_CLASS } from "@/app/_components/select";
import type { WebhookEventType } from "@/server/domain/webhooks/event-types";
import {
  PAGERDUTY_EVENTS_URL,
  WEBHOOK_FORMAT_LABELS,
  WEBHOOK_FORMATS,
  type WebhookFormat,
} from "@/server/domain/webhooks/webhook-formats";
import { EventTypeCheckboxes, modelNamesOf } from "./event-type-checkboxes";

export function CreateWebhookForm({
  onCreated,
}: {
  onCreated: (created: { number: number; secret: string }) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [eventTypes, setEventTypes] = useState<WebhookEventType[]>([]);
  const [modelNames, setModelNames] = useState("");
  const [format, setFormat] = useState<WebhookFormat>("standard");
  const [routingKey, setRoutingKey] = useState("");
  const pagerDuty = format === "pagerduty";
  const create = useMutation(
    trpc.webhook.create.mutationOptions({
      onSuccess: async ({ webhook, secret }) => {
        onCreated({ number: webhook.number, secret });
        setUrl("");
        setDescription("");
        setEventTypes([]);
        setModelNames("");
        setRoutingKey("");
        await queryClient.invalidateQueries({ queryKey: trpc.webhook.list.queryKey() });
      },
    }),
  );

  return (
    <Card
      title="Add a webhook"
      description="Each request is signed with a secret shown once, when you add it."
    >
      <form
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({
            url: url.trim() === "" && pagerDuty ? undefined : url,
            description,
            eventTypes,
            modelNames: modelNamesOf(modelNames),
            format,
            routingKey: pagerDuty ? routingKey : undefined,
          });
        }}
      >
        <div className="grid gap-3 sm:grid-cols-2">
          <div>
            <label htmlFor="webhook-format" className="block text-sm font-medium text-slate-700">
              Format
            </label>
            <select
              id="webhook-format"
              className={SELECT_CLASS}
              value={format}
              onChange={(event) => setFormat(event.target.value as WebhookFormat)}
            >
              {WEBHOOK_FORMATS.map((option) => (
                <option key={option} value={option}>
                  {WEBHOOK_FORMAT_LABELS[option]}
                </option>
              ))}
            </select>
          </div>
          {pagerDuty && (
            <TextField
              id="webhook-routing-key"
              label="PagerDuty integration key"
              required
              autoComplete="off"
              hint="Stored encrypted like the signing secret; never shown again."
              value={routingKey}
              onChange={(event) => setRoutingKey(event.target.value)}
            />
          )}
          <TextField
            id="webhook-url"
            label={pagerDuty ? "Events API URL (optional)" : "Endpoint URL"}
            type="url"
            required={!pagerDuty}
            placeholder={pagerDuty ? PAGERDUTY_EVENTS_URL : "https://ci.example.com/hooks/mlops"}
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
          <TextField
            id="webhook-description"
            label="Description (optional)"
            maxLength={500}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </div>
        <EventTypeCheckboxes idPrefix="new-webhook" value={eventTypes} onChange={setEventTypes} />
        <TextField
          id="webhook-models"
          label="Models (optional)"
          placeholder="fraud, churn"
          hint="Comma-separated model names; empty: every model."
          value={modelNames}
          onChange={(event) => setModelNames(event.target.value)}
        />
        {create.error && <ErrorState title="Webhook not added" message={create.error.message} />}
        <Button
          type="submit"
          disabled={create.isPending || (pagerDuty ? routingKey.trim() === "" : url.trim() === "")}
        >
          {create.isPending ? "Adding…" : "Add webhook"}
        </Button>
      </form>
    </Card>
  );
}
