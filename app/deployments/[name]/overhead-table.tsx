"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { Badge, Card, DataTable, EmptyState } from "@/app/_components/ui";
import type { ChartRange, DeploymentOverheadOutput } from "@/server/contracts/monitoring-api";
import { CHART_REFRESH_MS, RANGE_LABELS } from "./chart-range";

const TITLE = "Time added over onnxruntime";
const PERCENT = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 0 });

const ms = (us: number | null) => {
  if (us === null) return "—";
  const value = us / 1000;
  return `${value.toFixed(Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2)} ms`;
};

/**
 * Per version, the p50 of its session runs as the worker timed onnxruntime beside the p50 the
 * gateway answered in: the milliseconds the server adds, over the range the charts show.
 */
export function OverheadTable({ name, range }: { name: string; range: ChartRange }) {
  const trpc = useTRPC();
  const overhead = useQuery({
    ...trpc.monitoring.deploymentOverhead.queryOptions({ name, range }),
    refetchInterval: CHART_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  return (
    <div data-testid="overhead-table">
      <Card
        title={TITLE}
        description="p50 of a session run as the worker timed it, beside the p50 the gateway answered in (ok requests, first byte in to answer). Each within one histogram bucket (~19%)."
      >
        <QueryState query={overhead}>{(data) => <OverheadRows data={data} />}</QueryState>
      </Card>
    </div>
  );
}

function OverheadRows({ data }: { data: DeploymentOverheadOutput }) {
  const over = `over the last ${RANGE_LABELS[data.range]}`;
  if (data.versions.length === 0)
    return (
      <EmptyState title={`No traffic in this range (${RANGE_LABELS[data.range]})`}>
        The figures appear once the gateway has answered requests that ran on a worker.
      </EmptyState>
    );
  return (
    <DataTable
      caption={`${TITLE}, per version, ${over}`}
      columns={[
        "Version",
        "Role",
        "Rows per run",
        "onnxruntime run p50",
        "Answered p50",
        "Queue wait p50",
        "Added (share of answer)",
      ]}
    >
      {data.versions.map((row) => (
        <tr key={`${row.versionNumber}-${row.role}`}>
          <th scope="row" className="px-3 py-2 font-medium">
            v{row.versionNumber}
          </th>
          <td className="px-3 py-2">
            {row.role === "shadow" ? <Badge tone="amber">shadow</Badge> : "primary"}
          </td>
          <td className="px-3 py-2 tabular-nums">
            {row.rowsPerRun === null ? "—" : `${row.rowsPerRun.toFixed(1)} rows`}
          </td>
          <td className="px-3 py-2 tabular-nums">{ms(row.runP50Us)}</td>
          <td className="px-3 py-2 tabular-nums">{ms(row.answeredP50Us)}</td>
          <td className="px-3 py-2 tabular-nums">{ms(row.queueWaitP50Us)}</td>
          <td className="px-3 py-2 font-medium tabular-nums">
            {row.addedUs === null ? "—" : `${row.addedUs >= 0 ? "+" : ""}${ms(row.addedUs)}`}
            {row.addedShare !== null && ` (${PERCENT.format(row.addedShare)})`}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
