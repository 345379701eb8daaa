"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { FeatureBaseline } from "@/server/domain/feature-set/baseline";

const NUMBER = new Intl.NumberFormat("en", { maximumSignificantDigits: 3 });
const PERCENT = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });

/**
 * Numeric features: rows per quantile bin (bins hold about equal shares of the sample, so their
 * widths differ and each bar is labelled with its range). Categorical: share of rows per category.
 */
export function BaselineHistogram({ baseline }: { baseline: FeatureBaseline }) {
  const numeric = baseline.kind === "numeric";
  const rows = numeric
    ? (baseline.distribution?.binCounts ?? []).map((count, index) => {
        const edges = baseline.distribution!.binEdges;
        return { label: `${NUMBER.format(edges[index]!)}–${NUMBER.format(edges[index + 1]!)}`, value: count };
      })
    : baseline.frequencies.map((frequency) => ({ label: frequency.category, value: frequency.share }));
  if (rows.length === 0) return <p className="py-8 text-center text-sm text-slate-500">No values in the sample</p>;
  return (
    <div className="h-48" role="img" aria-label={`Distribution of ${baseline.name}`}>
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
            label={{ value: numeric ? `${baseline.name} (quantile bin)` : baseline.name, position: "insideBottom", offset: -16, fontSize: 11 }}
          />
          <YAxis
            tick={{ fontSize: 10 }}
            width={44}
            tickFormatter={(value: number) => (numeric ? NUMBER.format(value) : PERCENT.format(value))}
            label={{ value: numeric ? "rows" : "share of rows", angle: -90, position: "insideLeft", fontSize: 11 }}
          />
          <Tooltip formatter={(value) => (numeric ? [`${Number(value).toLocaleString("en")} rows`, "count"] : [PERCENT.format(Number(value)), "share"])} />
          <Bar dataKey="value" fill={numeric ? "#4f46e5" : "#d97706"} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
