"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { RelativeTime } from "@/app/_components/time";
import { Button, Card, DataTable, ErrorState } from "@/app/_components/ui";
import type { AlertRuleOutput } from "@/server/services/alert/alert-rule-output";
import { AlertStateBadge } from "./alert-state-badge";

/** Each rule with its state and last value; edit, test-send, enable or disable, delete. */
export function AlertRulesTable({
  rules,
  onEdit,
}: {
  rules: AlertRuleOutput[];
  onEdit: (rule: AlertRuleOutput) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.alert.pathKey() });
  const [deleting, setDeleting] = useState<number | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const update = useMutation(trpc.alert.updateRule.mutationOptions({ onSuccess: refresh }));
  const testSend = useMutation(
    trpc.alert.testSend.mutationOptions({
      onSuccess: ({ webhookNumbers }) =>
        setSent(`Test sent to ${webhookNumbers.map((number) => `webhook #${number}`).join(", ")}.`),
    }),
  );
  const remove = useMutation(
    trpc.alert.deleteRule.mutationOptions({
      onSuccess: async () => {
        setDeleting(null);
        await refresh();
      },
      onError: () => setDeleting(null),
    }),
  );
  const failure = update.error ?? testSend.error ?? remove.error;

  return (
    <Card title="Rules">
      {failure && <ErrorState title="Not done" message={failure.message} />}
      {sent && (
        <p role="status" className="mb-2 text-sm text-emerald-700">
          {sent}
        </p>
      )}
      <DataTable
        caption="Alert rules"
        columns={["#", "Rule", "State", "Condition", "Last value", "Receivers", ""]}
      >
        {rules.map((rule) => (
          <tr key={rule.number}>
            <td className="px-3 py-2 text-slate-500">{rule.number}</td>
            <td className="px-3 py-2">
              <span className="font-medium">{rule.name}</span>
              <span className="block text-xs text-slate-500">{rule.deploymentName ?? "no deployment"}</span>
            </td>
            <td className="px-3 py-2">
              <AlertStateBadge rule={rule} />
              {rule.stateSince && (
                <span className="block text-xs text-slate-500">
                  since <RelativeTime date={rule.stateSince} />
                </span>
              )}
            </td>
            <td className="px-3 py-2 font-mono text-xs">
              {rule.metric} {rule.comparator} {rule.threshold}
              <span className="block font-sans text-slate-500">
                over {rule.windowMinutes} min{rule.forMinutes > 0 && `, for ${rule.forMinutes} min`}
              </span>
            </td>
            <td className="px-3 py-2 tabular-nums">
              {rule.lastValue === null ? "no data" : Number(rule.lastValue.toPrecision(4))}
              {rule.lastEvaluatedAt && (
                <span className="block text-xs text-slate-500">
                  <RelativeTime date={rule.lastEvaluatedAt} />
                </span>
              )}
            </td>
            <td className="px-3 py-2 text-xs">
              {rule.receiverNumbers.length === 0
                ? "subscribed webhooks"
                : rule.receiverNumbers.map((number) => `#${number}`).join(", ")}
            </td>
            <td className="px-3 py-2">
              <div className="flex flex-wrap justify-end gap-1.5">
                <Button variant="secondary" onClick={() => onEdit(rule)}>
                  Edit
                </Button>
                <Button
                  variant="secondary"
                  disabled={testSend.isPending}
                  onClick={() => testSend.mutate({ ruleNumber: rule.number })}
                >
                  Test send
                </Button>
                <Button
                  variant="secondary"
                  disabled={update.isPending}
                  onClick={() => update.mutate({ number: rule.number, enabled: !rule.enabled })}
                >
                  {rule.enabled ? "Disable" : "Enable"}
                </Button>
                <Button variant="secondary" onClick={() => setDeleting(rule.number)}>
                  Delete
                </Button>
              </div>
            </td>
          </tr>
        ))}
      </DataTable>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete alert rule #${deleting}?`}
        confirmLabel="Delete"
        pending={remove.isPending}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting !== null && remove.mutate({ number: deleting })}
      >
        Its history goes with it. Disable it instead to keep the history.
      </ConfirmDialog>
    </Card>
  );
}
