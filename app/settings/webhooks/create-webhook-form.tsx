"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { Button, Card, ErrorState, TextField } from "@/app/_components/ui";
import type { WebhookEventType } from "@/server/domain/webhooks/event-types";
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
  const create = useMutation(
    trpc.webhook.create.mutationOptions({
      onSuccess: async ({ webhook, secret }) => {
        onCreated({ number: webhook.number, secret });
        setUrl("");
        setDescription("");
        setEventTypes([]);
        setModelNames("");
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
          create.mutate({ url, description, eventTypes, modelNames: modelNamesOf(modelNames) });
        }}
      >
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField
            id="webhook-url"
            label="Endpoint URL"
            type="url"
            required
            placeholder="https://ci.example.com/hooks/mlops"
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
        <Button type="submit" disabled={create.isPending || url.trim() === ""}>
          {create.isPending ? "Adding…" : "Add webhook"}
        </Button>
      </form>
    </Card>
  );
}
