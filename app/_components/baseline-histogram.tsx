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

interface DensityPoint {
  x: number;
  density: number;
  range: string;
  count: number;
  share: number;
}

/**
 * Baseline bins are quantiles: each holds about a tenth of the rows but their widths differ.
 * Drawing rows per bin would show ten equal bars; drawing share per unit of width over a
 * numeric axis shows the real shape of the distribution.
 */
function NumericHistogram({ baseline }: { baseline: Extract<FeatureBaseline, { kind: "numeric" }> }) {
  const distribution = baseline.distribution;
  if (!distribution) return <Centered>No values in the sample</Centered>;
  const { binEdges: edges, binCounts: counts } = distribution;
  if (edges[0] === edges.at(-1)) return <Centered>Every value is {NUMBER.format(edges[0]!)}</Centered>;
  const total = counts.reduce((sum, count) => sum + count, 0);
  const points: DensityPoint[] = counts.map((count, index) => {
    const low = edges[index]!;
    const high = edges[index + 1]!;
    return {
      x: low,
      density: count / total / Math.max(high - low, Number.EPSILON),
      range: `${NUMBER.format(low)} to ${NUMBER.format(high)}`,
      count,
      share: count / total,
    };
  });
  points.push({ ...points.at(-1)!, x: edges.at(-1)! });
  return (
    <ResponsiveContainer width="100%" height="100%">
      <AreaChart data={points} margin={{ top: 4, right: 12, bottom: 16, left: 4 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="x"
          type="number"
          domain={[edges[0]!, edges.at(-1)!]}
          tick={{ fontSize: 10 }}
          tickFormatter={(value: number) => NUMBER.format(value)}
          label={{ value: baseline.name, position: "insideBottom", offset: -10, fontSize: 11 }}
        />
        <YAxis
          tick={{ fontSize: 10 }}
          width={48}
          tickFormatter={(value: number) => NUMBER.format(value)}
          label={{ value: "share / unit", angle: -90, position: "insideLeft", fontSize: 11 }}
        />
        <Tooltip
          content={({ active, payload }) => {
            const point = payload?.[0]?.payload as DensityPoint | undefined;
            if (!active || !point) return null;
            return (
              <div className="rounded border border-slate-200 bg-white px-2 py-1 text-xs shadow">
                <p className="font-medium">{point.range}</p>
                <p>
                  {point.count.toLocaleString("en")} rows ({PERCENT.format(point.share)})
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
          width={48}
          tickFormatter={(value: number) => PERCENT.format(value)}
          label={{ value: "share of rows", angle: -90, position: "insideLeft", fontSize: 11 }}
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
