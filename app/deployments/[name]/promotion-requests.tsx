"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { QueryState } from "@/app/_components/query-state";
import { ClockTime } from "@/app/_components/time";
import { Badge, Button, DataTable, EmptyState, ErrorState, TextField } from "@/app/_components/ui";
import { useCaller } from "@/app/_components/use-caller";
import type { PromotionDecision } from "@/server/domain/traffic/promotion-approval";
import { ActorName } from "@/app/_components/actor-name";

const STATUS_TONE = { pending: "amber", approved: "green", rejected: "red", withdrawn: "slate" } as const;
const DECISION_LABEL: Record<PromotionDecision, string> = {
  approve: "Approve",
  reject: "Reject",
  withdraw: "Withdraw",
};

/**
 * Asking for a promotion on a deployment that requires approval: `ask(version)` opens a dialog
 * with an optional note; render `dialog` and `refusal` once.
 */
export function useRequestPromotion(deploymentName: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [versionNumber, setVersionNumber] = useState<number | null>(null);
  const [note, setNote] = useState("");
  const request = useMutation(
    trpc.deployment.requestPromotion.mutationOptions({
      onSuccess: async () => {
        setVersionNumber(null);
        await queryClient.invalidateQueries({ queryKey: trpc.deployment.pathKey() });
      },
      onError: () => setVersionNumber(null),
    }),
  );
  const ask = (number: number) => {
    request.reset();
    setNote("");
    setVersionNumber(number);
  };
  const refusal = request.error ? (
    <ErrorState title="Request refused" message={request.error.message} />
  ) : null;
  const dialog = (
    <ConfirmDialog
      open={versionNumber !== null}
      title={`Request promotion of v${versionNumber ?? ""}?`}
      confirmLabel="Request"
      pending={request.isPending}
      onCancel={() => setVersionNumber(null)}
      onConfirm={() =>
        versionNumber !== null && request.mutate({ name: deploymentName, versionNumber, note })
      }
    >
      <p>
        {deploymentName} requires approval: v{versionNumber} takes all traffic once another person approves
        this request.
      </p>
      <div className="mt-3">
        <TextField
          id="promotion-note"
          label="Note for the reviewer (optional)"
          value={note}
          maxLength={2000}
          onChange={(event) => setNote(event.target.value)}
        />
      </div>
    </ConfirmDialog>
  );
  return { ask, refusal, dialog };
}

/** A deployment's promotion requests, pending first: a second person approves or rejects them. */
export function PromotionRequests({ deploymentName }: { deploymentName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const requests = useQuery(trpc.deployment.promotionRequests.queryOptions({ name: deploymentName }));
  const caller = useCaller();
  // The requester may only withdraw (four eyes); admins approve or reject others' requests.
  const decisionsFor = (requestedBy: string): PromotionDecision[] =>
    requestedBy === caller.actor ? ["withdraw"] : caller.may("promotion.decide") ? ["approve", "reject"] : [];
  const [pending, setPending] = useState<{ requestNumber: number; decision: PromotionDecision } | null>(null);
  const [note, setNote] = useState("");
  const decide = useMutation(
    trpc.deployment.decidePromotion.mutationOptions({
      onSuccess: async () => {
        setPending(null);
        await queryClient.invalidateQueries({ queryKey: trpc.deployment.pathKey() });
      },
      onError: () => setPending(null),
    }),
  );
  const ask = (requestNumber: number, decision: PromotionDecision) => {
    decide.reset();
    setNote("");
    setPending({ requestNumber, decision });
  };

  return (
    <div className="space-y-4">
      <QueryState query={requests}>
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState title="No promotion requests">
              Promoting a version on this deployment asks for another person&apos;s approval first.
            </EmptyState>
          ) : (
            <DataTable
              caption="Promotion requests"
              columns={["Request", "Version", "Requested", "Note", "Status", "Decided", ""]}
            >
              {rows.map((row) => (
                <tr key={row.number}>
                  <td className="px-3 py-2 font-medium">#{row.number}</td>
                  <td className="px-3 py-2">v{row.versionNumber}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                    <ActorName actor={row.requestedBy} />
                    <span className="block text-xs text-slate-500">
                      <ClockTime date={row.createdAt} />
                    </span>
                  </td>
                  <td className="px-3 py-2 text-slate-700">{row.note || "—"}</td>
                  <td className="px-3 py-2">
                    <Badge tone={STATUS_TONE[row.status]}>{row.status}</Badge>
                    {row.revisionNumber !== null && (
                      <span className="ml-1 text-xs text-slate-500">revision #{row.revisionNumber}</span>
                    )}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                    {row.decidedBy ? <ActorName actor={row.decidedBy} /> : "—"}
                    {row.decidedAt && (
                      <span className="block text-xs text-slate-500">
                        <ClockTime date={row.decidedAt} />
                      </span>
                    )}
                    {row.decisionNote && <span className="block text-xs">{row.decisionNote}</span>}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 text-right">
                    {row.status === "pending" && (
                      <span className="inline-flex items-center gap-2">
                        {row.requestedBy === caller.actor && (
                          <span className="text-xs text-slate-500">waiting for another admin</span>
                        )}
                        {decisionsFor(row.requestedBy).map((decision) => (
                          <Button
                            key={decision}
                            variant={decision === "approve" ? "primary" : "secondary"}
                            aria-label={`${DECISION_LABEL[decision]} request ${row.number}`}
                            onClick={() => ask(row.number, decision)}
                          >
                            {DECISION_LABEL[decision]}
                          </Button>
                        ))}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </QueryState>
      {decide.error && !pending && <ErrorState title="Decision refused" message={decide.error.message} />}
      <ConfirmDialog
        open={pending !== null}
        title={pending ? `${DECISION_LABEL[pending.decision]} request #${pending.requestNumber}?` : ""}
        confirmLabel={pending ? DECISION_LABEL[pending.decision] : "Confirm"}
        pending={decide.isPending}
        onCancel={() => setPending(null)}
        onConfirm={() => pending && decide.mutate({ name: deploymentName, ...pending, note })}
      >
        <p>
          {pending?.decision === "approve"
            ? "The version takes all traffic now, if it passes the evaluation gate."
            : "The request closes; traffic does not change."}
        </p>
        <div className="mt-3">
          <TextField
            id="decision-note"
            label="Note (optional)"
            value={note}
            maxLength={2000}
            onChange={(event) => setNote(event.target.value)}
          />
        </div>
      </ConfirmDialog>
    </div>
  );
}
