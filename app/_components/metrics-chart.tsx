"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { orderMetricNames } from "@/server/domain/version-comparison";

const SERIES_COLORS = ["#4f46e5", "#0891b2", "#16a34a", "#d97706", "#db2777", "#64748b"];
const DEFAULT_CHARTED = 4;

export function orderedMetrics(metrics: Record<string, unknown>): [string, unknown][] {
  return orderMetricNames(Object.keys(metrics)).map((name) => [name, metrics[name]]);
}

/**
 * Compares versions on metrics that lie in [0, 1] (AUC, accuracy, precision, recall), which
 * share one axis; the reader picks which ones to chart.
 */
export function VersionMetricsChart({
  versions,
}: {
  versions: { number: number; metrics: Record<string, unknown> }[];
}) {
  const chartable = orderMetricNames([
    ...new Set(versions.flatMap((version) => Object.keys(version.metrics))),
  ]).filter((name) =>
    versions.every((version) => {
      const value = version.metrics[name];
      return value === undefined || (typeof value === "number" && value >= 0 && value <= 1);
    }),
  );
  const [charted, setCharted] = useState<string[] | null>(null);
  if (chartable.length === 0)
    return <p className="text-sm text-slate-500">No version reports a metric between 0 and 1 yet.</p>;
  const shown = charted ?? chartable.slice(0, DEFAULT_CHARTED);
  const rows = [...versions]
    .sort((a, b) => a.number - b.number)
    .map((version) => ({ version: `v${version.number}`, ...version.metrics }));
  return (
    <figure>
      <div role="group" aria-label="Metrics to chart" className="mb-3 flex flex-wrap gap-2">
        {chartable.map((name) => {
          const on = shown.includes(name);
          return (
            <button
              key={name}
              type="button"
              aria-pressed={on}
              onClick={() =>
                setCharted(
                  on
                    ? shown.filter((metric) => metric !== name)
                    : chartable.filter((metric) => metric === name || shown.includes(metric)),
                )
              }
              className={`rounded-full border px-2.5 py-0.5 text-xs font-medium ${on ? "border-indigo-600 bg-indigo-50 text-indigo-700" : "border-slate-300 bg-white text-slate-600 hover:bg-slate-50"}`}
            >
              {name}
            </button>
          );
        })}
      </div>
      <div className="h-64" data-testid="metrics-chart">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="version"
              tick={{ fontSize: 12 }}
              label={{ value: "model version", position: "insideBottom", offset: -8, fontSize: 12 }}
            />
            <YAxis
              domain={[0, 1]}
              tick={{ fontSize: 12 }}
              label={{ value: "score (0–1)", angle: -90, position: "insideLeft", fontSize: 12 }}
            />
            <Tooltip formatter={(value) => (typeof value === "number" ? value.toFixed(4) : String(value))} />
            <Legend verticalAlign="top" wrapperStyle={{ fontSize: 12, paddingBottom: 8 }} />
            {chartable
              .filter((name) => shown.includes(name))
              .map((name) => (
                <Bar
                  key={name}
                  dataKey={name}
                  fill={SERIES_COLORS[chartable.indexOf(name) % SERIES_COLORS.length]}
                  isAnimationActive={false}
                />
              ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="sr-only">Metrics of each version, on a 0 to 1 scale</figcaption>
    </figure>
  );
}

export function formatMetric(value: unknown): string {
  if (typeof value !== "number") return String(value);
  return Number.isInteger(value) ? value.toLocaleString("en") : value.toFixed(4);
}
