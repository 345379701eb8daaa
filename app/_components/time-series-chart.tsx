"use client";

import {
  Area,
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceArea,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

export interface SeriesSpec {
  /** The row field it draws. */
  key: string;
  label: string;
  color: string;
  kind: "line" | "area" | "bar";
  /** Lines that are copies or secondary figures (shadows, p99) are dashed. */
  dashed?: boolean;
  /** Areas and bars with the same stack are drawn on top of each other. */
  stack?: string;
  axis?: "left" | "right";
}

export interface AxisSpec {
  /** With its unit: "requests / s", "latency (ms)". */
  label: string;
  /** A value with its unit, for the tooltip ("12.5 ms"); ticks are bare numbers under the titled axis. */
  format: (value: number) => string;
  /** A log axis keeps a slow minute from flattening the steady ones into the floor. */
  scale?: "linear" | "log";
}

/**
 * A chart over time: lines, stacked areas or bars on one or two value axes, both labelled with
 * their units, and the open bucket (whose numbers still grow) shaded and marked as such.
 */
export function TimeSeriesChart({
  title,
  rows,
  series,
  left,
  right,
  timeLabel,
  tickFormat,
  tooltipTime,
  openBucket,
}: {
  /** What the chart shows, for screen readers. */
  title: string;
  rows: Record<string, number | null>[];
  series: SeriesSpec[];
  left: AxisSpec;
  right?: AxisSpec;
  timeLabel: string;
  tickFormat: (ms: number) => string;
  tooltipTime: (ms: number) => string;
  openBucket: { fromMs: number; toMs: number } | null;
}) {
  const formatOf = (key: string) =>
    series.find((entry) => entry.key === key)?.axis === "right" ? right! : left;
  return (
    <div className="h-60" role="img" aria-label={title}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={rows} margin={{ top: 4, right: right ? 8 : 16, bottom: 18, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="bucketStartMs"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={tickFormat}
            tick={{ fontSize: 11 }}
            minTickGap={28}
            label={{ value: timeLabel, position: "insideBottom", offset: -12, fontSize: 11 }}
          />
          <YAxis yAxisId="left" {...axisProps(left, "left")} />
          {right && <YAxis yAxisId="right" orientation="right" {...axisProps(right, "right")} />}
          <Tooltip
            labelFormatter={(value) => tooltipTime(Number(value))}
            formatter={(value, name, item) =>
              typeof value === "number" ? formatOf(String(item.dataKey)).format(value) : "—"
            }
          />
          <Legend verticalAlign="top" height={24} wrapperStyle={{ fontSize: 12 }} />
          {openBucket && (
            <ReferenceArea
              yAxisId="left"
              x1={openBucket.fromMs}
              x2={openBucket.toMs}
              fill="#e2e8f0"
              fillOpacity={0.6}
              ifOverflow="extendDomain"
              label={{ value: "open", position: "insideTop", fontSize: 10, fill: "#64748b" }}
            />
          )}
          {series.map((entry) => drawn(entry))}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

const TICK = new Intl.NumberFormat("en", { maximumSignificantDigits: 3, notation: "compact" });
const compactTick = (value: number) => TICK.format(value);

function axisProps(axis: AxisSpec, side: "left" | "right") {
  const log = axis.scale === "log";
  return {
    tick: { fontSize: 11 },
    width: 60,
    tickFormatter: compactTick,
    scale: log ? ("log" as const) : ("auto" as const),
    domain: log ? (["auto", "auto"] as [string, string]) : ([0, "auto"] as [number, string]),
    allowDataOverflow: log,
    // Placed outside the ticks, so long tick labels never run into the title.
    label: {
      value: axis.label,
      angle: side === "left" ? -90 : 90,
      position: side === "left" ? ("insideLeft" as const) : ("insideRight" as const),
      offset: -2,
      dx: side === "left" ? -4 : 4,
      fontSize: 11,
      style: { textAnchor: "middle" as const },
    },
  };
}

function drawn(entry: SeriesSpec) {
  const common = {
    key: entry.key,
    dataKey: entry.key,
    name: entry.label,
    yAxisId: entry.axis ?? "left",
    isAnimationActive: false,
  };
  if (entry.kind === "bar") return <Bar {...common} fill={entry.color} stackId={entry.stack} />;
  if (entry.kind === "area")
    return (
      <Area
        {...common}
        type="linear"
        stroke={entry.color}
        fill={entry.color}
        fillOpacity={0.35}
        stackId={entry.stack}
        connectNulls
      />
    );
  return (
    <Line
      {...common}
      type="linear"
      stroke={entry.color}
      strokeWidth={2}
      strokeDasharray={entry.dashed ? "5 4" : undefined}
      // A bucket between gaps is a point of its own: without a dot it would not show at all.
      dot={{ r: 1.5 }}
      connectNulls={false}
    />
  );
}
