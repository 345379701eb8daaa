"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { ClockTime } from "@/app/_components/time";
import { Badge, Button, DataTable, EmptyState, ErrorState } from "@/app/_components/ui";
import { useCaller } from "@/app/_components/use-caller";
import type { DriftSettings } from "@/server/domain/drift/drift-settings";
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

/** Share of a report's judged outputs that drift; null when none was judged. */
const outputsDriftingShare = (report: DriftReport): number | null => {
  const judged = report.outputs.filter((output) => output.status !== null);
  if (judged.length === 0) return null;
  return judged.filter((output) => output.status === "drift").length / judged.length;
};

/**
 * The newest drift window of each version: dataset verdict, then every feature's test and
 * quality, then every output's against the version's output reference window.
 */
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
              Drift is judged every minute from the requests the gateway logs (the prediction log), once a{" "}
              {settings.windowMinutes}-minute window holds {settings.minSampleCount.toLocaleString("en")}{" "}
              logged rows: inputs for versions linked to a feature set, outputs for every version once its
              first such window has become their reference.
            </EmptyState>
          );
        return (
          <div className="space-y-6">
            {newest.map((report) => (
              <VersionDrift
                key={report.versionNumber}
                deploymentName={deploymentName}
                report={report}
                history={rows}
                settings={settings}
              />
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

function VersionDrift({
  deploymentName,
  report,
  history,
  settings,
}: {
  deploymentName: string;
  report: DriftReport;
  history: DriftReport[];
  settings: DriftSettings;
}) {
  const { dataset, featureSet } = report;
  const earlier = history.filter((row) => row.versionNumber === report.versionNumber).slice(0, 12);
  // Without a feature set the report's status is its outputs', and so is the history's share.
  const shareOf = (row: DriftReport) => (featureSet ? row.dataset.driftedShare : outputsDriftingShare(row));
  return (
    <section aria-label={`Drift of v${report.versionNumber}`}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
        <span className="font-medium text-slate-900">v{report.versionNumber}</span>
        <Badge tone={STATUS_TONE[report.status]}>
          {featureSet ? "dataset" : "outputs"} {report.status}
        </Badge>
        <span className="text-slate-600">
          {featureSet
            ? `${dataset.driftedCount} of ${dataset.judgedCount} features drifting · `
            : "no feature set linked: outputs only · "}
          {report.rows.toLocaleString("en")} rows in {report.sampleCount.toLocaleString("en")} logged requests
          · window <ClockTime date={report.windowStart} />
          –<ClockTime date={report.windowEnd} />
          {featureSet && ` · against ${featureSet.name} v${featureSet.version}`}
        </span>
      </div>
      <p className="mt-1 text-xs text-slate-500" aria-label="Recent windows">
        Recent windows, newest first:{" "}
        {earlier.map((row) => (
          <span key={row.windowStart.toISOString()} className="mr-1">
            <Badge tone={STATUS_TONE[row.status]}>{PERCENT.format(shareOf(row) ?? 0)}</Badge>
          </span>
        ))}
        (share of {featureSet ? "features" : "outputs"} drifting)
      </p>
      {featureSet && (
        <div className="mt-3">
          <DriftTable
            caption={`Feature drift of v${report.versionNumber}`}
            nameHeading="Feature"
            rows={report.features}
            withOutOfRange
          />
        </div>
      )}
      <OutputDrift deploymentName={deploymentName} report={report} settings={settings} />
    </section>
  );
}

function OutputDrift({
  deploymentName,
  report,
  settings,
}: {
  deploymentName: string;
  report: DriftReport;
  settings: DriftSettings;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { may } = useCaller();
  const choose = useMutation(
    trpc.drift.setOutputReference.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.drift.reports.pathKey() }),
    }),
  );
  const reference = report.outputReference;
  const isReference =
    reference !== null &&
    reference.windowStartMs === report.windowStart.getTime() &&
    reference.windowEndMs === report.windowEnd.getTime();
  const judged = report.outputs.filter((output) => output.status !== null);
  const drifting = judged.filter((output) => output.status === "drift").length;
  return (
    <div className="mt-4">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 className="text-sm font-medium text-slate-900">Outputs</h3>
        <span className="text-sm text-slate-600">
          {reference === null ? (
            "reference not set yet"
          ) : (
            <>
              {drifting} of {judged.length} outputs drifting · against the reference window{" "}
              <ClockTime date={new Date(reference.windowStartMs)} />
              –<ClockTime date={new Date(reference.windowEndMs)} /> ({reference.rowCount.toLocaleString("en")}{" "}
              rows){isReference && ", this window"}
            </>
          )}
        </span>
        {may("deployment.deploy") && !isReference && (
          <Button
            variant="secondary"
            disabled={choose.isPending}
            onClick={() =>
              choose.mutate({
                name: deploymentName,
                versionNumber: report.versionNumber,
                windowStartMs: report.windowStart.getTime(),
                windowEndMs: report.windowEnd.getTime(),
              })
            }
          >
            Use this window as the output reference
          </Button>
        )}
      </div>
      {choose.error && (
        <div className="mt-2">
          <ErrorState title="Output reference not changed" message={choose.error.message} />
        </div>
      )}
      <div className="mt-2">
        {reference === null ? (
          <EmptyState title="Output reference not set yet">
            The first window of v{report.versionNumber} whose logged outputs hold{" "}
            {settings.minSampleCount.toLocaleString("en")} rows becomes the reference its later windows are
            judged against.
          </EmptyState>
        ) : report.outputs.length === 0 ? (
          <EmptyState title="No outputs in this window">
            The window&apos;s logged requests hold none of the reference&apos;s output columns.
          </EmptyState>
        ) : (
          <DriftTable
            caption={`Output drift of v${report.versionNumber}`}
            nameHeading="Output"
            rows={report.outputs}
            withOutOfRange={false}
          />
        )}
      </div>
    </div>
  );
}

/** One row per feature or output: its test, score, PSI, data quality and verdict. */
function DriftTable({
  caption,
  nameHeading,
  rows,
  withOutOfRange,
}: {
  caption: string;
  nameHeading: string;
  rows: FeatureReport[];
  /** Outputs have no declared range. */
  withOutOfRange: boolean;
}) {
  return (
    <DataTable
      caption={caption}
      columns={[
        nameHeading,
        "Test",
        "Score",
        "Drift at",
        "PSI",
        "Missing",
        ...(withOutOfRange ? ["Out of range"] : []),
        "Unseen",
        "Status",
      ]}
    >
      {rows.map((row) => (
        <tr key={row.name}>
          <td className="px-3 py-2 font-medium">{row.name}</td>
          <td className="px-3 py-2 text-slate-600">{METHOD_LABEL[row.method]}</td>
          <td className="px-3 py-2 tabular-nums">{scoreText(row.score, row.method)}</td>
          <td className="px-3 py-2 tabular-nums text-slate-600">
            {row.method === "ks" || row.method === "chisquare"
              ? `p < ${row.threshold}`
              : `≥ ${row.threshold}`}
          </td>
          <td className="px-3 py-2 tabular-nums">{row.psi === null ? "—" : row.psi.toFixed(3)}</td>
          <td className="px-3 py-2 tabular-nums">{PERCENT.format(row.quality.missingShare)}</td>
          {withOutOfRange && (
            <td className="px-3 py-2 tabular-nums">{PERCENT.format(row.quality.outOfRangeShare)}</td>
          )}
          <td className="px-3 py-2 tabular-nums">{PERCENT.format(row.quality.unseenShare)}</td>
          <td className="px-3 py-2">
            {row.status === null ? (
              <span className="text-xs text-slate-500" title={row.note}>
                not judged
              </span>
            ) : (
              <Badge tone={STATUS_TONE[row.status]}>{row.status}</Badge>
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
