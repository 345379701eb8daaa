"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { ErrorState } from "@/app/_components/ui";
import type { TrafficChange } from "@/server/services/deployment/change-traffic";

/**
 * A traffic change asked for, confirmed in a dialog, then made: `ask` opens the dialog; render
 * `dialog` once. A refused change shows its reason in `refusal`.
 */
export function useTrafficChange(deploymentName: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<{ change: TrafficChange; title: string; body: string } | null>(null);
  const change = useMutation(
    trpc.deployment.changeTraffic.mutationOptions({
      onSuccess: async () => {
        setPending(null);
        await queryClient.invalidateQueries({ queryKey: trpc.deployment.pathKey() });
      },
    }),
  );
  const ask = (next: TrafficChange, title: string, body: string) => {
    change.reset();
    setPending({ change: next, title, body });
  };
  const refusal =
    change.error && !pending ? <ErrorState title="Change refused" message={change.error.message} /> : null;
  const dialog = (
    <ConfirmDialog
      open={pending !== null}
      title={pending?.title ?? ""}
      confirmLabel="Confirm"
      pending={change.isPending}
      onCancel={() => setPending(null)}
      onConfirm={() =>
        pending &&
        change.mutate({ name: deploymentName, change: pending.change }, { onError: () => setPending(null) })
      }
    >
      {pending?.body}
    </ConfirmDialog>
  );
  return { ask, refusal, dialog };
}
