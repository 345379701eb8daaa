"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { ClockTime } from "@/app/_components/time";
import { Badge, DataTable, EmptyState } from "@/app/_components/ui";
import type { FeatureReport } from "@/server/services/drift/drift-report-body";
import type { DriftReportOutput as DriftReport } from "@/server/services/drift/list-drift-reports";

const REFRESH_MS = 30_000;
const STATUS_TONE = { ok: "green", warning: "amber", drift: "red" } as const;
const METHOD_LABEL: Record<FeatureReport["method"], string> = {
  ks: "KS test (p-value)",
  chisquare: "chi-square (p-value)",
  wasserstein: "Wasserstein, normed (σ)",
  jensenshannon: "Jensen-Shannon distance",
  psi: "PSI",
};
const PERCENT = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });

const scoreText = (score: number | null, method: FeatureReport["method"]) => {
  if (score === null) return "—";
  if (method === "ks" || method === "chisquare")
    return score < 1e-4 ? score.toExponential(1) : score.toFixed(4);
  return score.toFixed(3);
};

/** The newest drift window of each version: dataset verdict, then every feature's test and quality. */
export function DriftReports({ deploymentName }: { deploymentName: string }) {
  const trpc = useTRPC();
  const reports = useQuery({
    ...trpc.drift.reports.queryOptions({ name: deploymentName, limit: 50 }),
    refetchInterval: REFRESH_MS,
  });
  return (
    <QueryState query={reports}>
      {({ reports: rows, settings }) => {
        const newest = latestPerVersion(rows);
        if (newest.length === 0)
          return (
            <EmptyState title="No drift reports yet">
              Drift is judged every minute for versions linked to a feature set, from the requests the gateway
              logs (the prediction log), once a {settings.windowMinutes}-minute window holds{" "}
              {settings.minSampleCount.toLocaleString("en")} logged rows.
            </EmptyState>
          );
        return (
          <div className="space-y-6">
            {newest.map((report) => (
              <VersionDrift key={report.versionNumber} report={report} history={rows} />
            ))}
          </div>
        );
      }}
    </QueryState>
  );
}

function latestPerVersion(rows: DriftReport[]): DriftReport[] {
  const seen = new Map<number, DriftReport>();
  for (const row of rows) if (!seen.has(row.versionNumber)) seen.set(row.versionNumber, row);
  return [...seen.values()];
}

function VersionDrift({ report, history }: { report: DriftReport; history: DriftReport[] }) {
  const { dataset } = report;
  const earlier = history.filter((row) => row.versionNumber === report.versionNumber).slice(0, 12);
  return (
    <section aria-label={`Drift of v${report.versionNumber}`}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
        <span className="font-medium text-slate-900">v{report.versionNumber}</span>
        <Badge tone={STATUS_TONE[report.status]}>dataset {report.status}</Badge>
        <span className="text-slate-600">
          {dataset.driftedCount} of {dataset.judgedCount} features drifting ·{" "}
          {report.rows.toLocaleString("en")} rows in {report.sampleCount.toLocaleString("en")} logged requests
          · window <ClockTime date={report.windowStart} />
          –<ClockTime date={report.windowEnd} /> · against {report.featureSet.name} v
          {report.featureSet.version}
        </span>
      </div>
      <p className="mt-1 text-xs text-slate-500" aria-label="Recent windows">
        Recent windows, newest first:{" "}
        {earlier.map((row) => (
          <span key={row.windowStart.toISOString()} className="mr-1">
            <Badge tone={STATUS_TONE[row.status]}>{PERCENT.format(row.dataset.driftedShare ?? 0)}</Badge>
          </span>
        ))}
        (share of features drifting)
      </p>
      <div className="mt-3">
        <DataTable
          caption={`Feature drift of v${report.versionNumber}`}
          columns={[
            "Feature",
            "Test",
            "Score",
            "Drift at",
            "PSI",
            "Missing",
            "Out of range",
            "Unseen",
            "Status",
          ]}
        >
          {report.features.map((feature) => (
            <tr key={feature.name}>
              <td className="px-3 py-2 font-medium">{feature.name}</td>
              <td className="px-3 py-2 text-slate-600">{METHOD_LABEL[feature.method]}</td>
              <td className="px-3 py-2 tabular-nums">{scoreText(feature.score, feature.method)}</td>
              <td className="px-3 py-2 tabular-nums text-slate-600">
                {feature.method === "ks" || feature.method === "chisquare"
                  ? `p < ${feature.threshold}`
                  : `≥ ${feature.threshold}`}
              </td>
              <td className="px-3 py-2 tabular-nums">
                {feature.psi === null ? "—" : feature.psi.toFixed(3)}
              </td>
              <td className="px-3 py-2 tabular-nums">{PERCENT.format(feature.quality.missingShare)}</td>
              <td className="px-3 py-2 tabular-nums">{PERCENT.format(feature.quality.outOfRangeShare)}</td>
              <td className="px-3 py-2 tabular-nums">{PERCENT.format(feature.quality.unseenShare)}</td>
              <td className="px-3 py-2">
                {feature.status === null ? (
                  <span className="text-xs text-slate-500" title={feature.note}>
                    not judged
                  </span>
                ) : (
                  <Badge tone={STATUS_TONE[feature.status]}>{feature.status}</Badge>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      </div>
    </section>
  );
}
