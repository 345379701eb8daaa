"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { ClockTime, RelativeTime } from "@/app/_components/time";
import { Badge, Button, DataTable, EmptyState, ErrorState } from "@/app/_components/ui";

const PAGE_SIZE = 20;
const STATUS_TONE = { pending: "amber", delivered: "green", failed: "red" } as const;
/** Attempts of a pending delivery come seconds apart at first: poll while one is pending. */
const PENDING_POLL_MS = 2_000;

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** One webhook's deliveries, newest first: status, attempts, the last answer, and redeliver. */
export function WebhookDeliveries({ number, enabled }: { number: number; enabled: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const deliveries = useInfiniteQuery({
    ...trpc.webhook.deliveries.infiniteQueryOptions(
      { number, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.deliveries.some((row) => row.status === "pending"))
        ? PENDING_POLL_MS
        : false,
  });
  const redeliver = useMutation(
    trpc.webhook.redeliver.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.webhook.pathKey() }),
    }),
  );

  return (
    <div className="space-y-3">
      {redeliver.error && <ErrorState title="Not redelivered" message={redeliver.error.message} />}
      <QueryState query={deliveries}>
        {(data) => {
          const rows = data.pages.flatMap((page) => page.deliveries);
          if (rows.length === 0)
            return (
              <EmptyState title="No deliveries yet">
                Events this webhook receives appear here; &quot;Send test event&quot; sends one now.
              </EmptyState>
            );
          return (
            <>
              <DataTable
                caption={`Deliveries of webhook #${number}`}
                columns={["Event", "Status", "Attempts", "Status code", "Time", "Last attempt", ""]}
              >
                {rows.map((row, index) => (
                  <tr key={`${row.eventId}-${row.createdAt.getTime()}-${index}`} className="align-top">
                    <td className="px-3 py-2">
                      <span className="font-medium">{row.eventType}</span>
                      <details className="mt-1 text-xs text-slate-500">
                        <summary className="cursor-pointer font-mono">{row.eventId}</summary>
                        <pre className="mt-1 max-h-64 max-w-xl overflow-auto rounded bg-slate-50 p-2 text-slate-800">
                          {prettyJson(row.body)}
                        </pre>
                        {row.lastResponseExcerpt && (
                          <p className="mt-1 break-all">
                            Answer: <span className="font-mono">{row.lastResponseExcerpt}</span>
                          </p>
                        )}
                      </details>
                    </td>
                    <td className="px-3 py-2">
                      <Badge tone={STATUS_TONE[row.status]}>{row.status}</Badge>
                    </td>
                    <td className="px-3 py-2 tabular-nums">{row.attempts}</td>
                    <td className="px-3 py-2 tabular-nums">{row.lastStatusCode ?? "—"}</td>
                    <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                      <RelativeTime date={row.createdAt} />
                    </td>
                    <td className="px-3 py-2 text-xs text-slate-600">
                      {row.lastAttemptAt ? (
                        <>
                          <ClockTime date={row.lastAttemptAt} />
                          {row.lastDurationMs !== null && ` · ${row.lastDurationMs} ms`}
                        </>
                      ) : (
                        "—"
                      )}
                      {row.lastError && <p className="mt-1 max-w-xs text-red-700">{row.lastError}</p>}
                      {row.status === "pending" && row.nextAttemptAt && (
                        <p className="mt-1">
                          next attempt <RelativeTime date={row.nextAttemptAt} />
                        </p>
                      )}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 text-right">
                      <Button
                        variant="secondary"
                        disabled={!enabled || redeliver.isPending}
                        aria-label={`Redeliver ${row.eventType} ${row.eventId}`}
                        onClick={() => redeliver.mutate({ number, eventId: row.eventId })}
                      >
                        Redeliver
                      </Button>
                    </td>
                  </tr>
                ))}
              </DataTable>
              {deliveries.hasNextPage && (
                <Button
                  variant="secondary"
                  disabled={deliveries.isFetchingNextPage}
                  onClick={() => void deliveries.fetchNextPage()}
                >
                  {deliveries.isFetchingNextPage ? "Loading…" : "Older deliveries"}
                </Button>
              )}
            </>
          );
        }}
      </QueryState>
    </div>
  );
}
