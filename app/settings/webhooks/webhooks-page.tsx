"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { EmptyState, PageHeader } from "@/app/_components/ui";
import { CreateWebhookForm } from "./create-webhook-form";
import { NewSecret } from "./new-secret";
import { WebhookCard } from "./webhook-card";

/** The team's webhooks: create one (its secret shown once), then watch and manage each one's deliveries. */
export function WebhooksPage() {
  const trpc = useTRPC();
  const webhooks = useQuery(trpc.webhook.list.queryOptions({}));
  const [created, setCreated] = useState<{ number: number; secret: string } | null>(null);

  return (
    <>
      <PageHeader
        title="Webhooks"
        subtitle="Registry events POSTed to your endpoints, signed with HMAC-SHA256 (Standard Webhooks), retried with backoff."
      />
      <CreateWebhookForm onCreated={setCreated} />
      {created && <NewSecret {...created} onDismiss={() => setCreated(null)} />}
      <QueryState query={webhooks}>
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState title="No webhooks yet">
              Add an endpoint above to receive version, evaluation, revision and alert events.
            </EmptyState>
          ) : (
            rows.map((webhook) => <WebhookCard key={webhook.number} webhook={webhook} />)
          )
        }
      </QueryState>
    </>
  );
}
