"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { TimeSeriesChart, type AxisSpec, type SeriesSpec } from "@/app/_components/time-series-chart";
import { versionColor } from "@/app/_components/traffic-split";
import { Card, EmptyState } from "@/app/_components/ui";
import {
  BATCH_RELEASE_REASONS,
  ERROR_KINDS,
  type BatchReleaseReason,
  type ErrorKind,
} from "@/server/contracts/live-counters";
import {
  CHART_RANGES,
  type ChartRange,
  type DeploymentChartsOutput,
} from "@/server/contracts/monitoring-api";
import { CHART_REFRESH_MS, DEFAULT_CHART_RANGE, RANGE_LABELS } from "./chart-range";
import { joinedRows, lineName, pointAt, tickFormatOf, tooltipTimeOf } from "./chart-rows";
import { OverheadTable } from "./overhead-table";

const ERROR_LABELS: Record<ErrorKind, string> = {
  badInput: "bad input",
  modelError: "model error",
  deadline: "deadline",
  overload: "overload",
  unavailable: "unavailable",
};
const ERROR_COLORS: Record<ErrorKind, string> = {
  badInput: "#94a3b8",
  modelError: "#a855f7",
  deadline: "#f59e0b",
  overload: "#f97316",
  unavailable: "#dc2626",
};
const RELEASE_COLORS: Record<BatchReleaseReason, string> = {
  full: "#16a34a",
  timer: "#f59e0b",
  idle: "#94a3b8",
};
const RELEASE_LABELS: Record<BatchReleaseReason, string> = {
  full: "full batch",
  timer: "queue delay passed",
  idle: "nothing running",
};

const decimals = (value: number) => (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
const fixed = (value: number) => value.toFixed(decimals(value));
const AXES = {
  requests: { label: "requests / s", format: fixed },
  errorPercent: { label: "errors (% of requests)", format: (value: number) => `${fixed(value)}%` },
  latency: {
    label: "latency (ms, log scale)",
    format: (value: number) => `${fixed(value)} ms`,
    scale: "log",
  },
  waitMs: { label: "mean time (ms)", format: (value: number) => `${fixed(value)} ms` },
  jobs: { label: "jobs per bucket", format: (value: number) => value.toFixed(0) },
  rowsPerRun: { label: "rows per run", format: fixed },
  costPer1k: {
    label: "cost ($ per 1,000 calls)",
    format: (value: number) => `$${value.toFixed(value < 1 ? 4 : 2)}`,
  },
  utilization: { label: "utilization (%)", format: (value: number) => `${value.toFixed(0)}%` },
} satisfies Record<string, AxisSpec>;

/** The deployment page's monitoring section: a range to choose, the charts and overhead over it. */
export function DeploymentMonitoring({ name }: { name: string }) {
  const trpc = useTRPC();
  const [range, setRange] = useState<ChartRange>(DEFAULT_CHART_RANGE);
  const charts = useQuery({
    ...trpc.monitoring.deploymentCharts.queryOptions({ name, range }),
    refetchInterval: CHART_REFRESH_MS,
    // The old range stays on screen until the new one arrives, rather than a spinner.
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <QueryState query={charts}>
        {(data) => <DeploymentCharts charts={data} onRangeChange={setRange} />}
      </QueryState>
      <OverheadTable name={name} range={range} />
    </>
  );
}

/** The deployment's charts over a range, from the monitor's rollups (the open bucket live). */
function DeploymentCharts({
  charts,
  onRangeChange,
}: {
  charts: DeploymentChartsOutput;
  onRangeChange: (range: ChartRange) => void;
}) {
  const primary = charts.series.filter((entry) => entry.role === "primary");
  const hasTraffic = charts.series.some((entry) => entry.points.some((point) => point.requests > 0));
  const last = charts.toMs - charts.bucketMs;
  const frame = {
    timeLabel: `time (${bucketWords(charts.bucketMs)} buckets)`,
    tickFormat: tickFormatOf(charts.range),
    tooltipTime: tooltipTimeOf(charts.range),
    openBucket: { fromMs: last, toMs: charts.toMs },
  };
  const over = `over the last ${RANGE_LABELS[charts.range]}`;

  const roleLines = (kind: SeriesSpec["kind"] = "line"): SeriesSpec[] =>
    charts.series.map((entry) => ({
      key: lineName(entry.versionNumber, entry.role),
      label: lineName(entry.versionNumber, entry.role),
      color: versionColor(entry.versionNumber),
      kind,
      dashed: entry.role === "shadow",
    }));
  const versionLines = (axis: "left" | "right" = "left", dashed = false): SeriesSpec[] =>
    charts.versions.map((entry) => ({
      key: `v${entry.versionNumber}`,
      label: `v${entry.versionNumber}`,
      color: versionColor(entry.versionNumber),
      kind: "line",
      axis,
      dashed,
    }));

  const latencyRows = joinedRows(charts, (row, bucketStartMs) => {
    for (const entry of primary) {
      const point = pointAt(entry.points, bucketStartMs);
      for (const [percentile, field] of PERCENTILES)
        row[`v${entry.versionNumber} ${percentile}`] = msOf(point?.[field]);
    }
  });
  const waitRows = joinedRows(charts, (row, bucketStartMs) => {
    for (const entry of primary) {
      const point = pointAt(entry.points, bucketStartMs);
      row[`v${entry.versionNumber} queue`] = msOf(point?.meanQueueWaitUs);
      row[`v${entry.versionNumber} compute`] = msOf(point?.meanComputeUs);
    }
  });
  const costRows = joinedRows(charts, (row, bucketStartMs) => {
    for (const entry of charts.versions) {
      const point = pointAt(entry.points, bucketStartMs);
      // Micro-dollars per call are dollars per million calls: over 1,000 they are per 1,000 calls.
      const per1k = (micros: number | null | undefined) => (micros == null ? null : micros / 1000);
      row[`v${entry.versionNumber} allocated`] = per1k(point?.allocatedCostPerCallMicros);
      row[`v${entry.versionNumber} busy`] = per1k(point?.busyCostPerCallMicros);
      row[`v${entry.versionNumber} utilization`] =
        point?.utilization == null ? null : point.utilization * 100;
    }
  });
  const errorRows = joinedRows(charts, (row, bucketStartMs) => {
    const points = primary.map((entry) => pointAt(entry.points, bucketStartMs));
    const requests = points.reduce((sum, point) => sum + (point?.requests ?? 0), 0);
    for (const kind of ERROR_KINDS) {
      const errors = points.reduce((sum, point) => sum + Number(point?.errors[kind] ?? 0), 0);
      row[kind] = requests > 0 ? (100 * errors) / requests : null;
    }
  });
  const releaseRows = joinedRows(charts, (row, bucketStartMs) => {
    const points = charts.versions.map((entry) => ({ entry, point: pointAt(entry.points, bucketStartMs) }));
    for (const reason of BATCH_RELEASE_REASONS)
      row[reason] = points.reduce((sum, { point }) => sum + Number(point?.jobs[reason] ?? 0), 0);
    for (const { entry, point } of points) row[`v${entry.versionNumber}`] = point?.rowsPerRun ?? null;
  });

  return (
    <section aria-labelledby="monitoring-heading" className="mb-6">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
        <h2 id="monitoring-heading" className="text-lg font-semibold">
          Monitoring
        </h2>
        <div
          role="group"
          aria-label="Chart range"
          className="inline-flex rounded-md border border-slate-300 bg-white"
        >
          {CHART_RANGES.map((range) => (
            <button
              key={range}
              type="button"
              aria-pressed={charts.range === range}
              onClick={() => onRangeChange(range)}
              className={`px-3 py-1.5 text-sm first:rounded-l-md last:rounded-r-md focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-500 ${
                charts.range === range
                  ? "bg-indigo-600 font-medium text-white"
                  : "text-slate-700 hover:bg-slate-100"
              }`}
            >
              {RANGE_LABELS[range]}
            </button>
          ))}
        </div>
      </div>
      {!hasTraffic ? (
        <Card>
          <EmptyState title={`No requests ${over}`}>
            Charts fill in as the gateway serves requests; the monitor folds them every few seconds.
          </EmptyState>
        </Card>
      ) : (
        <div className="grid gap-6 xl:grid-cols-2">
          <Card title="Requests" description={`Per second and version ${over}; shadow copies dashed.`}>
            <TimeSeriesChart
              {...frame}
              title={`requests per second per version ${over}`}
              rows={joinedRows(charts, (row, bucketStartMs) => {
                for (const entry of charts.series)
                  row[lineName(entry.versionNumber, entry.role)] =
                    pointAt(entry.points, bucketStartMs)?.requestsPerSecond ?? 0;
              })}
              series={roleLines()}
              left={AXES.requests}
            />
          </Card>
          <Card title="Errors" description="Share of callers' requests that failed, by kind.">
            <TimeSeriesChart
              {...frame}
              title={`error rate by kind ${over}`}
              rows={errorRows}
              series={ERROR_KINDS.map((kind) => ({
                key: kind,
                label: ERROR_LABELS[kind],
                color: ERROR_COLORS[kind],
                kind: "area",
                stack: "errors",
              }))}
              left={AXES.errorPercent}
            />
          </Card>
          <Card title="Latency" description="End to end at the gateway: p50 solid, p95 dashed, p99 dotted.">
            <TimeSeriesChart
              {...frame}
              title={`latency percentiles per version ${over}`}
              rows={latencyRows}
              series={primary.flatMap((entry) =>
                PERCENTILES.map(([percentile]) => ({
                  key: `v${entry.versionNumber} ${percentile}`,
                  label: `v${entry.versionNumber} ${percentile}`,
                  color: versionColor(entry.versionNumber),
                  kind: "line" as const,
                  dashed: percentile !== "p50",
                })),
              )}
              left={AXES.latency}
            />
          </Card>
          <Card title="Queue wait and compute" description="Mean per request that reached a worker.">
            <TimeSeriesChart
              {...frame}
              title={`mean queue wait and compute per version ${over}`}
              rows={waitRows}
              series={primary.flatMap((entry) => [
                {
                  key: `v${entry.versionNumber} queue`,
                  label: `v${entry.versionNumber} queue wait`,
                  color: "#f59e0b",
                  kind: "area" as const,
                  stack: `v${entry.versionNumber}`,
                },
                {
                  key: `v${entry.versionNumber} compute`,
                  label: `v${entry.versionNumber} compute`,
                  color: versionColor(entry.versionNumber),
                  kind: "area" as const,
                  stack: `v${entry.versionNumber}`,
                },
              ])}
              left={AXES.waitMs}
            />
          </Card>
          <Card
            title="Batching"
            description="Why each job left the gateway's batcher, and rows per session run."
          >
            <TimeSeriesChart
              {...frame}
              title={`jobs by release reason and rows per run ${over}`}
              rows={releaseRows}
              series={[
                ...BATCH_RELEASE_REASONS.map((reason) => ({
                  key: reason,
                  label: RELEASE_LABELS[reason],
                  color: RELEASE_COLORS[reason],
                  kind: "bar" as const,
                  stack: "jobs",
                })),
                ...versionLines("right").map((line) => ({ ...line, label: `${line.label} rows / run` })),
              ]}
              left={AXES.jobs}
              right={AXES.rowsPerRun}
            />
          </Card>
          <Card
            title="Cost per call"
            description="Allocated (idle included) solid, busy dashed; utilization on the right."
          >
            <TimeSeriesChart
              {...frame}
              title={`cost per 1,000 calls and utilization per version ${over}`}
              rows={costRows}
              series={charts.versions.flatMap((entry) => [
                {
                  key: `v${entry.versionNumber} allocated`,
                  label: `v${entry.versionNumber} allocated`,
                  color: versionColor(entry.versionNumber),
                  kind: "line" as const,
                },
                {
                  key: `v${entry.versionNumber} busy`,
                  label: `v${entry.versionNumber} busy`,
                  color: versionColor(entry.versionNumber),
                  kind: "line" as const,
                  dashed: true,
                },
                {
                  key: `v${entry.versionNumber} utilization`,
                  label: `v${entry.versionNumber} utilization`,
                  color: "#64748b",
                  kind: "line" as const,
                  axis: "right" as const,
                  dashed: true,
                },
              ])}
              left={AXES.costPer1k}
              right={AXES.utilization}
            />
          </Card>
        </div>
      )}
    </section>
  );
}

const PERCENTILES = [
  ["p50", "latencyP50Us"],
  ["p95", "latencyP95Us"],
  ["p99", "latencyP99Us"],
] as const;

const msOf = (us: number | null | undefined) => (us == null ? null : us / 1000);

function bucketWords(bucketMs: number): string {
  if (bucketMs % 3_600_000 === 0) return bucketMs === 3_600_000 ? "1-hour" : `${bucketMs / 3_600_000}-hour`;
  return `${bucketMs / 60_000}-minute`;
}
