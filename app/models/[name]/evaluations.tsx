"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/app/_trpc/client";
import { formatMetric } from "@/app/_components/metrics-chart";
import { RelativeTime } from "@/app/_components/time";
import { Badge, Card, DataTable, EmptyState } from "@/app/_components/ui";
import { METRIC_NAMES } from "@/server/domain/evaluation/metric-names";

const STATUS_TONES = { queued: "slate", running: "indigo", succeeded: "green", failed: "red" } as const;
/** A queued or running evaluation finishes in seconds: poll while one is in flight. */
const IN_FLIGHT_POLL_MS = 2_000;

/** The model's evaluations on its golden sets, newest first, with the metrics each task gives. */
export function Evaluations({ modelName }: { modelName: string }) {
  const trpc = useTRPC();
  const goldenSets = useQuery(trpc.goldenSet.list.queryOptions({ modelName }));
  const evaluations = useQuery({
    ...trpc.evaluation.list.queryOptions({ modelName }),
    refetchInterval: (query) =>
      query.state.data?.some(
        (evaluation) => evaluation.status === "queued" || evaluation.status === "running",
      )
        ? IN_FLIGHT_POLL_MS
        : false,
  });
  const sets = goldenSets.data ?? [];
  const description =
    sets.length === 0
      ? "No golden sets yet"
      : `Golden sets: ${sets.map((set) => `${set.name} (${set.rowCount.toLocaleString("en")} rows, ${set.format})`).join(", ")}`;

  return (
    <Card title="Evaluations" description={description}>
      {evaluations.isError ? (
        <p className="text-sm text-red-700">{evaluations.error.message}</p>
      ) : !evaluations.data || evaluations.data.length === 0 ? (
        <EmptyState title="No evaluations yet">
          Upload a golden set and start an evaluation through the API (evaluation.start).
        </EmptyState>
      ) : (
        <DataTable
          caption="Evaluations"
          columns={["#", "Version", "Golden set", "Status", "Metrics", "Duration", "Started"]}
        >
          {evaluations.data.map((evaluation) => (
            <tr key={evaluation.number} className="align-top hover:bg-slate-50">
              <td className="px-3 py-2 tabular-nums text-slate-500">{evaluation.number}</td>
              <td className="px-3 py-2 font-medium">v{evaluation.versionNumber}</td>
              <td className="px-3 py-2">
                {evaluation.goldenSetName}
                <p className="text-xs text-slate-500">{evaluation.rowCount.toLocaleString("en")} rows</p>
              </td>
              <td className="px-3 py-2">
                <Badge tone={STATUS_TONES[evaluation.status]}>{evaluation.status}</Badge>
                {evaluation.error && <p className="mt-1 max-w-sm text-xs text-red-700">{evaluation.error}</p>}
              </td>
              <td className="px-3 py-2 text-xs">
                {METRIC_NAMES.filter((metric) => evaluation.metrics[metric] !== undefined).map((metric) => (
                  <div key={metric} className="whitespace-nowrap">
                    <span className="text-slate-500">{metric}</span>{" "}
                    <span className="tabular-nums">{formatMetric(evaluation.metrics[metric] ?? "n/a")}</span>
                  </div>
                ))}
              </td>
              <td className="whitespace-nowrap px-3 py-2 tabular-nums text-slate-500">
                {evaluation.startedAt && evaluation.finishedAt
                  ? `${((evaluation.finishedAt.getTime() - evaluation.startedAt.getTime()) / 1000).toFixed(1)} s`
                  : "—"}
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-slate-500">
                <RelativeTime date={evaluation.startedAt ?? evaluation.createdAt} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}
