"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/app/_trpc/client";
import { ConfirmDialog } from "@/app/_components/confirm-dialog";
import { QueryState } from "@/app/_components/query-state";
import { SELECT_CLASS } from "@/app/_components/select";
import { ClockTime } from "@/app/_components/time";
import { Badge, Button, DataTable, EmptyState, ErrorState } from "@/app/_components/ui";
import { useCaller } from "@/app/_components/use-caller";
import type { CanaryStep } from "@/server/services/canary/canary-analysis-output";

const REFRESH_MS = 10_000;
const STATUS_TONE = {
  running: "indigo",
  paused: "amber",
  promoted: "green",
  rolledBack: "red",
  stopped: "slate",
  failed: "red",
} as const;
const PERCENT = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 2 });

const figure = (value: number | null | undefined, format: (value: number) => string) =>
  value === null || value === undefined ? "—" : format(value);

/**
 * Automated canary analysis: start one (the version steps up while its error rate, p95 latency
 * and ROC AUC stay within bounds of the stable version's), and every analysis with the figures
 * each of its decisions used.
 */
export function CanaryAnalysis({ deploymentName, versions }: { deploymentName: string; versions: number[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const analyses = useQuery({
    ...trpc.canary.list.queryOptions({ name: deploymentName }),
    refetchInterval: REFRESH_MS,
  });
  const { may } = useCaller();
  const [versionNumber, setVersionNumber] = useState<number | null>(null);
  const [isAsking, setIsAsking] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.pathKey() });
  const start = useMutation(
    trpc.canary.start.mutationOptions({ onSettled: () => (setIsAsking(false), refresh()) }),
  );
  const stop = useMutation(trpc.canary.stop.mutationOptions({ onSettled: refresh }));

  return (
    <div className="space-y-4">
      {may("deployment.promote") && (
        <div className="flex flex-wrap items-end gap-3">
          <div>
            <label htmlFor="canary-analysis-version" className="block text-sm font-medium text-slate-700">
              Analyse
            </label>
            <select
              id="canary-analysis-version"
              className={SELECT_CLASS}
              value={versionNumber ?? ""}
              onChange={(event) => setVersionNumber(Number(event.target.value))}
            >
              <option value="" disabled>
                choose…
              </option>
              {versions.map((number) => (
                <option key={number} value={number}>
                  v{number}
                </option>
              ))}
            </select>
          </div>
          <Button variant="secondary" disabled={versionNumber === null} onClick={() => setIsAsking(true)}>
            Start analysis
          </Button>
        </div>
      )}
      {start.error && <ErrorState title="Analysis not started" message={start.error.message} />}
      {stop.error && <ErrorState title="Analysis not stopped" message={stop.error.message} />}
      <QueryState query={analyses}>
        {(rows) =>
          rows.length === 0 ? (
            <EmptyState title="No canary analyses yet">
              An analysis puts a version at 10% and steps it up every 5 minutes while its error rate, p95
              latency and ROC AUC stay within bounds of the stable version's; it promotes the version at 50%
              or rolls it back at the first failed check.
            </EmptyState>
          ) : (
            rows.map((analysis) => (
              <section
                key={analysis.number}
                aria-label={`Canary analysis #${analysis.number}`}
                className="space-y-2"
              >
                <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
                  <span className="font-medium text-slate-900">
                    #{analysis.number}: v{analysis.canaryVersionNumber} against v
                    {analysis.stableVersionNumber}
                  </span>
                  <Badge tone={STATUS_TONE[analysis.status]}>{analysis.status}</Badge>
                  <span className="text-slate-600">
                    at {analysis.weightPercent}% · steps of {analysis.settings.stepPercent} points every{" "}
                    {analysis.settings.intervalMinutes} min up to {analysis.settings.maxPercent}%
                  </span>
                  {analysis.status === "running" && may("deployment.canary") && (
                    <Button variant="secondary" onClick={() => stop.mutate({ name: deploymentName })}>
                      Stop analysis
                    </Button>
                  )}
                </div>
                {analysis.reason && <p className="text-sm text-slate-700">{analysis.reason}</p>}
                <StepTable analysisNumber={analysis.number} steps={analysis.steps} />
              </section>
            ))
          )
        }
      </QueryState>
      <ConfirmDialog
        open={isAsking}
        title={`Start a canary analysis of v${versionNumber ?? ""}?`}
        confirmLabel="Start analysis"
        pending={start.isPending}
        onCancel={() => setIsAsking(false)}
        onConfirm={() => versionNumber !== null && start.mutate({ name: deploymentName, versionNumber })}
      >
        <p>
          v{versionNumber} takes 10% of {deploymentName} now. Every 5 minutes it steps up by 10 points while
          it stays within bounds of the stable version; at 50% it is promoted to 100%, at the first failed
          check rolled back. Each step is a revision by canary-analysis.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function StepTable({ analysisNumber, steps }: { analysisNumber: number; steps: CanaryStep[] }) {
  return (
    <DataTable
      caption={`Steps of canary analysis #${analysisNumber}`}
      columns={[
        "When",
        "Decision",
        "Weight",
        "Requests (canary / stable)",
        "Error rate",
        "p95 latency",
        "ROC AUC",
        "Note",
      ]}
    >
      {steps.map((step) => {
        const check = (name: string) => step.checks.find((candidate) => candidate.name === name);
        const pair = (name: string, format: (value: number) => string) => {
          const found = check(name);
          if (!found) return "—";
          return (
            <span className={found.passed ? "" : "font-medium text-red-700"}>
              {format(found.canary)} / {format(found.stable)}
            </span>
          );
        };
        return (
          <tr key={step.at.toISOString()}>
            <td className="whitespace-nowrap px-3 py-2 text-slate-600">
              <ClockTime date={step.at} />
            </td>
            <td className="px-3 py-2">{step.decision}</td>
            <td className="px-3 py-2 tabular-nums">{step.weightPercent}%</td>
            <td className="px-3 py-2 tabular-nums">
              {figure(step.canary?.requests, String)} / {figure(step.stable?.requests, String)}
            </td>
            <td className="px-3 py-2 tabular-nums">{pair("error rate", PERCENT.format)}</td>
            <td className="px-3 py-2 tabular-nums">
              {pair("p95 latency", (value) => `${value.toFixed(1)} ms`)}
            </td>
            <td className="px-3 py-2 tabular-nums">{pair("ROC AUC", (value) => value.toFixed(3))}</td>
            <td className="px-3 py-2 text-slate-700">{step.note}</td>
          </tr>
        );
      })}
    </DataTable>
  );
}
