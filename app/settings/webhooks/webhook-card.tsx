"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { RelativeTime } from "@/app/_components/time";
import { Badge, Button, Card, ErrorState } from "@/app/_components/ui";
import { WEBHOOK_FORMAT_LABELS } from "@/server/domain/webhooks/webhook-formats";
import type { WebhookOutput } from "@/server/services/webhook/webhook-output";
import { WebhookDeliveries } from "./webhook-deliveries";
import { ActorName } from "@/app/_components/actor-name";

/** One webhook: what it receives, enable or disable, a test event, delete, and its deliveries. */
export function WebhookCard({ webhook }: { webhook: WebhookOutput }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.webhook.pathKey() });
  const update = useMutation(trpc.webhook.update.mutationOptions({ onSuccess: refresh }));
  const ping = useMutation(trpc.webhook.ping.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(
    trpc.webhook.delete.mutationOptions({
      onSuccess: async () => {
        setConfirmingDelete(false);
        await refresh();
      },
      onError: () => setConfirmingDelete(false),
    }),
  );
  const failure = update.error ?? ping.error ?? remove.error;
  const { number } = webhook;

  return (
    <Card
      label={`Webhook #${number}`}
      title={
        <span className="flex flex-wrap items-center gap-2">
          <span>#{number}</span>
          <span className="break-all font-mono text-sm font-normal">{webhook.url}</span>
          <Badge tone={webhook.enabled ? "green" : "slate"}>{webhook.enabled ? "enabled" : "disabled"}</Badge>
          {webhook.format !== "standard" && (
            <Badge tone="indigo">{WEBHOOK_FORMAT_LABELS[webhook.format]}</Badge>
          )}
        </span>
      }
      description={
        <>
          {webhook.description && <span className="block">{webhook.description}</span>}
          Events: {webhook.eventTypes.length === 0 ? "all" : webhook.eventTypes.join(", ")} · Models:{" "}
          {webhook.modelNames.length === 0 ? "all" : webhook.modelNames.join(", ")} · Secret{" "}
          <code>{webhook.secretPrefix}</code> · Added by <ActorName actor={webhook.createdBy} />{" "}
          <RelativeTime date={webhook.createdAt} />
        </>
      }
      actions={
        <div className="flex shrink-0 gap-2">
          <Button
            variant="secondary"
            disabled={update.isPending}
            onClick={() => update.mutate({ number, enabled: !webhook.enabled })}
          >
            {webhook.enabled ? "Disable" : "Enable"}
          </Button>
          <Button
            variant="secondary"
            disabled={!webhook.enabled || ping.isPending}
            title={webhook.enabled ? undefined : "Enable the webhook to send it events"}
            onClick={() => ping.mutate({ number })}
          >
            {ping.isPending ? "Sending…" : "Send test event"}
          </Button>
          <Button variant="secondary" onClick={() => setConfirmingDelete(true)}>
            Delete
          </Button>
        </div>
      }
    >
      {failure && <ErrorState title="Not done" message={failure.message} />}
      <WebhookDeliveries number={number} enabled={webhook.enabled} />
      <ConfirmDialog
        open={confirmingDelete}
        title={`Delete webhook #${number}?`}
        confirmLabel="Delete"
        pending={remove.isPending}
        onCancel={() => setConfirmingDelete(false)}
        onConfirm={() => remove.mutate({ number })}
      >
        <p>
          {webhook.url} receives no more events, and the record of its deliveries is deleted with it. Its
          secret cannot be restored.
        </p>
      </ConfirmDialog>
    </Card>
  );
}
