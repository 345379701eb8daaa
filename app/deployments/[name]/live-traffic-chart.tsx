"use client";

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { versionColor } from "@/app/_components/traffic-split";

interface Point {
  minuteStartMs: number;
  versionNumber: number;
  requests: number;
  meanLatencyMs: number | null;
}

const TIME = new Intl.DateTimeFormat("en", { hour: "2-digit", minute: "2-digit" });

/** Requests per minute and mean latency per version, one line each, from the live counters. */
export function LiveTrafficChart({
  minuteStarts,
  points,
  metric,
}: {
  minuteStarts: number[];
  points: Point[];
  metric: "requests" | "meanLatencyMs";
}) {
  const versions = [...new Set(points.map((point) => point.versionNumber))].sort((a, b) => a - b);
  const rows = minuteStarts.map((minuteStartMs) => {
    const row: Record<string, number | null> = { minuteStartMs };
    for (const version of versions) {
      const point = points.find(
        (candidate) => candidate.minuteStartMs === minuteStartMs && candidate.versionNumber === version,
      );
      row[`v${version}`] = point ? point[metric] : metric === "requests" ? 0 : null;
    }
    return row;
  });
  const unit = metric === "requests" ? "requests / min" : "mean latency (ms)";
  return (
    <div
      className="h-56"
      role="img"
      aria-label={`${unit} per version over the last ${minuteStarts.length} minutes`}
    >
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 4, right: 16, bottom: 16, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="minuteStartMs"
            tickFormatter={(value: number) => TIME.format(value)}
            tick={{ fontSize: 11 }}
            minTickGap={24}
            label={{ value: "time (minute)", position: "insideBottom", offset: -10, fontSize: 11 }}
          />
          <YAxis
            tick={{ fontSize: 11 }}
            width={52}
            label={{
              value: unit,
              angle: -90,
              position: "insideLeft",
              fontSize: 11,
              style: { textAnchor: "middle" },
            }}
          />
          <Tooltip
            labelFormatter={(value) => TIME.format(Number(value))}
            formatter={(value) =>
              typeof value === "number"
                ? metric === "requests"
                  ? `${value} req/min`
                  : `${value.toFixed(2)} ms`
                : "—"
            }
          />
          <Legend verticalAlign="top" wrapperStyle={{ fontSize: 12 }} />
          {versions.map((version) => (
            <Line
              key={version}
              type="linear"
              dataKey={`v${version}`}
              stroke={versionColor(version)}
              dot={{ r: 2 }}
              strokeWidth={2}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
