"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { QueryState } from "@/app/_components/query-state";
import { ClockTime, RelativeTime } from "@/app/_components/time";
import { Badge, Button, Card, DataTable, EmptyState, ErrorState } from "@/app/_components/ui";
import { useTRPC } from "@/app/_trpc/client";
import { ActorName } from "@/app/_components/actor-name";

const ROLE_TONE = { viewer: "slate", editor: "indigo", admin: "amber" } as const;

/** The team's keys with their reach and last use; revoking one takes effect at once. */
export function ApiKeyTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.apiKey.list.queryOptions());
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  // Read once per mount, as RelativeTime does: render stays pure.
  const [nowMs] = useState(Date.now);
  const revoke = useMutation(
    trpc.apiKey.revoke.mutationOptions({
      onSuccess: async () => {
        setRevoking(null);
        await queryClient.invalidateQueries({ queryKey: trpc.apiKey.pathKey() });
      },
      onError: () => setRevoking(null),
    }),
  );

  return (
    <Card title="Keys">
      <QueryState query={keys}>
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState title="No API keys yet">Create one above for a CI pipeline or a client.</EmptyState>
          ) : (
            <DataTable
              caption="API keys"
              columns={["Name", "Key", "Role", "Deployments", "Rate", "Expires", "Last used", "Created", ""]}
            >
              {rows.map((row) => {
                const expired = row.expiresAt !== null && row.expiresAt.getTime() <= nowMs;
                return (
                  <tr key={row.id} className={row.revokedAt ? "text-slate-400" : undefined}>
                    <td className="px-3 py-2 font-medium">{row.name}</td>
                    <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{row.prefix}_…</td>
                    <td className="px-3 py-2">
                      <Badge tone={ROLE_TONE[row.role]}>{row.role}</Badge>
                    </td>
                    <td className="px-3 py-2">
                      {row.deploymentNames.length ? row.deploymentNames.join(", ") : "all"}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2">
                      {row.requestsPerMinute === null
                        ? "—"
                        : `${row.requestsPerMinute.toLocaleString("en")}/min`}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2">
                      {row.expiresAt ? <ClockTime date={row.expiresAt} /> : "never"}
                      {expired && !row.revokedAt && (
                        <span className="ml-1">
                          <Badge tone="red">expired</Badge>
                        </span>
                      )}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2">
                      {row.lastUsedAt ? <RelativeTime date={row.lastUsedAt} /> : "never"}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                      <ActorName actor={row.createdBy} />
                      <span className="block text-xs text-slate-500">
                        <ClockTime date={row.createdAt} />
                      </span>
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 text-right">
                      {row.revokedAt ? (
                        <Badge tone="red">revoked</Badge>
                      ) : (
                        <Button
                          variant="secondary"
                          aria-label={`Revoke key ${row.name}`}
                          onClick={() => {
                            revoke.reset();
                            setRevoking({ id: row.id, name: row.name });
                          }}
                        >
                          Revoke
                        </Button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </DataTable>
          )
        }
      </QueryState>
      {revoke.error && !revoking && <ErrorState title="Key not revoked" message={revoke.error.message} />}
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke key ${revoking?.name ?? ""}?`}
        confirmLabel="Revoke"
        pending={revoke.isPending}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate({ id: revoking.id })}
      >
        <p>
          Every call with this key is refused from now on, in the console and on every gateway. This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </Card>
  );
}
