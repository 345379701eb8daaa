"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { ClockTime, formatDuration } from "@/app/_components/time";
import { Badge, Card, DataTable, EmptyState } from "@/app/_components/ui";

const shown = (value: number | null) => (value === null ? "no data" : String(Number(value.toPrecision(4))));

/** Every episode, newest first: when it started, fired and resolved, with the values. */
export function AlertHistory() {
  const trpc = useTRPC();
  const events = useQuery({ ...trpc.alert.events.queryOptions({ limit: 100 }), refetchInterval: 10_000 });
  return (
    <Card
      title="History"
      description="Each episode of each rule: notified once when it fired, once when it resolved."
    >
      <QueryState query={events}>
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState title="No alert has fired yet" />
          ) : (
            <DataTable
              caption="Alert history"
              columns={["Rule", "Episode", "Status", "Value", "Started", "Fired", "Resolved", "Message"]}
            >
              {rows.map((episode) => (
                <tr key={`${episode.ruleNumber}-${episode.number}`}>
                  <td className="px-3 py-2">
                    #{episode.ruleNumber} {episode.ruleName}
                  </td>
                  <td className="px-3 py-2 text-slate-500">{episode.number}</td>
                  <td className="px-3 py-2">
                    <Badge tone={episode.status === "firing" ? "red" : "green"}>{episode.status}</Badge>
                  </td>
                  <td className="px-3 py-2 tabular-nums">
                    {shown(episode.value)}
                    {episode.resolvedAt && (
                      <span className="block text-xs text-slate-500">
                        then {shown(episode.resolvedValue)}
                      </span>
                    )}
                  </td>
                  <td className="px-3 py-2">
                    <ClockTime date={episode.startedAt} />
                  </td>
                  <td className="px-3 py-2">
                    <ClockTime date={episode.firedAt} />
                  </td>
                  <td className="px-3 py-2">
                    {episode.resolvedAt ? (
                      <>
                        <ClockTime date={episode.resolvedAt} />
                        <span className="block text-xs text-slate-500">
                          after {formatDuration(episode.resolvedAt.getTime() - episode.firedAt.getTime())}
                        </span>
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td className="max-w-md px-3 py-2 text-xs text-slate-600">{episode.message}</td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </QueryState>
    </Card>
  );
}
