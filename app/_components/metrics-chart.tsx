"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

const SERIES_COLORS = ["#4f46e5", "#0891b2", "#16a34a", "#d97706", "#db2777", "#64748b"];

/**
 * Metrics that lie in [0, 1] (AUC, accuracy, precision, recall) compared across versions;
 * unbounded ones such as log loss would squash the scale, so they stay in the table.
 */
export function VersionMetricsChart({ versions }: { versions: { number: number; metrics: Record<string, unknown> }[] }) {
  const metricNames = [...new Set(versions.flatMap((version) => Object.keys(version.metrics)))].filter((name) =>
    versions.every((version) => {
      const value = version.metrics[name];
      return value === undefined || (typeof value === "number" && value >= 0 && value <= 1);
    }),
  );
  if (metricNames.length === 0) return <p className="text-sm text-slate-500">No version reports a metric between 0 and 1 yet.</p>;
  const rows = [...versions]
    .sort((a, b) => a.number - b.number)
    .map((version) => ({ version: `v${version.number}`, ...version.metrics }));
  return (
    <figure>
      <div className="h-64" data-testid="metrics-chart">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="version" tick={{ fontSize: 12 }} label={{ value: "model version", position: "insideBottom", offset: -4, fontSize: 12 }} />
            <YAxis domain={[0, 1]} tick={{ fontSize: 12 }} label={{ value: "score (0–1)", angle: -90, position: "insideLeft", fontSize: 12 }} />
            <Tooltip formatter={(value) => (typeof value === "number" ? value.toFixed(4) : String(value))} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {metricNames.map((name, index) => (
              <Bar key={name} dataKey={name} fill={SERIES_COLORS[index % SERIES_COLORS.length]} isAnimationActive={false} />
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
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}
