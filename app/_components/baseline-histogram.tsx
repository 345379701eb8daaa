"use client";

import type { ReactNode } from "react";
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { FeatureBaseline } from "@/server/domain/feature-set/baseline";
import {
  densitySteps,
  histogramAxis,
  histogramScaleOf,
  type DensityStep,
} from "@/server/domain/feature-set/histogram-axis";

const NUMBER = new Intl.NumberFormat("en", { maximumSignificantDigits: 3 });
const PERCENT = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });

export function BaselineHistogram({ baseline }: { baseline: FeatureBaseline }) {
  return (
    <div className="h-48" role="img" aria-label={`Distribution of ${baseline.name} in the baseline sample`}>
      {baseline.kind === "numeric" ? (
        <NumericHistogram baseline={baseline} />
      ) : (
        <CategoryShares baseline={baseline} />
      )}
    </div>
  );
}

/** Ticks with two significant digits: enough to read a density, short enough to leave room for the title. */
const TICK = new Intl.NumberFormat("en", { maximumSignificantDigits: 2 });

/**
 * Baseline bins are quantiles: each holds about a tenth of the rows but their widths differ, so
 * each is drawn as its share of rows per unit of the axis; a heavy-tailed feature on a log axis.
 */
function NumericHistogram({ baseline }: { baseline: Extract<FeatureBaseline, { kind: "numeric" }> }) {
  const distribution = baseline.distribution;
  if (!distribution) return <Centered>No values in the sample</Centered>;
  const { binEdges: edges, binCounts: counts } = distribution;
  if (edges[0] === edges.at(-1)) return <Centered>Every value is {NUMBER.format(edges[0]!)}</Centered>;
  const axis = histogramAxis(histogramScaleOf(distribution), edges[0]!, edges.at(-1)!);
  const steps: DensityStep[] = densitySteps(edges, counts, axis);
  steps.push({ ...steps.at(-1)!, position: axis.toAxis(edges.at(-1)!) });
  const log = axis.scale === "log";
  return (
    <ResponsiveContainer width="100%" height="100%">
      <AreaChart data={steps} margin={{ top: 4, right: 12, bottom: 16, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="position"
          type="number"
          domain={[axis.toAxis(edges[0]!), axis.toAxis(edges.at(-1)!)]}
          ticks={axis.ticks}
          tick={{ fontSize: 10 }}
          tickFormatter={(position: number) => NUMBER.format(axis.fromAxis(position))}
          label={{
            value: log ? `${baseline.name} (log scale)` : baseline.name,
            position: "insideBottom",
            offset: -10,
            fontSize: 11,
          }}
        />
        <YAxis
          tick={{ fontSize: 10 }}
          width={58}
          tickFormatter={(value: number) => TICK.format(value)}
          label={{
            value: log ? "share / decade" : "share / unit",
            angle: -90,
            position: "insideLeft",
            offset: -2,
            fontSize: 11,
            style: { textAnchor: "middle" },
          }}
        />
        <Tooltip
          content={({ active, payload }) => {
            const step = payload?.[0]?.payload as DensityStep | undefined;
            if (!active || !step) return null;
            return (
              <div className="rounded border border-slate-200 bg-white px-2 py-1 text-xs shadow">
                <p className="font-medium">
                  {NUMBER.format(step.low)} to {NUMBER.format(step.high)}
                </p>
                <p>
                  {step.count.toLocaleString("en")} rows ({PERCENT.format(step.share)})
                </p>
              </div>
            );
          }}
        />
        <Area
          type="stepAfter"
          dataKey="density"
          stroke="#4f46e5"
          fill="#6366f1"
          fillOpacity={0.35}
          isAnimationActive={false}
        />
      </AreaChart>
    </ResponsiveContainer>
  );
}

function CategoryShares({ baseline }: { baseline: Extract<FeatureBaseline, { kind: "categorical" }> }) {
  if (baseline.count === 0) return <Centered>No values in the sample</Centered>;
  const rows = baseline.frequencies.map((frequency) => ({
    label: frequency.category,
    value: frequency.share,
    count: frequency.count,
  }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={rows} margin={{ top: 4, right: 8, bottom: 20, left: 4 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="label"
          tick={{ fontSize: 10 }}
          interval={0}
          angle={-30}
          textAnchor="end"
          height={40}
          label={{ value: baseline.name, position: "insideBottom", offset: -16, fontSize: 11 }}
        />
        <YAxis
          tick={{ fontSize: 10 }}
          width={58}
          tickFormatter={(value: number) => PERCENT.format(value)}
          label={{
            value: "share of rows",
            angle: -90,
            position: "insideLeft",
            offset: -2,
            fontSize: 11,
            style: { textAnchor: "middle" },
          }}
        />
        <Tooltip
          formatter={(value, _name, item) => [
            `${PERCENT.format(Number(value))} (${(item.payload as { count: number }).count.toLocaleString("en")} rows)`,
            "share",
          ]}
        />
        <Bar dataKey="value" fill="#d97706" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

function Centered({ children }: { children: ReactNode }) {
  return <p className="flex h-full items-center justify-center text-sm text-slate-500">{children}</p>;
}
