"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { DataTable, EmptyState } from "@/app/_components/ui";

const REFRESH_MS = 30_000;
const PERCENT = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });
const CLASSIFIER_METRICS = ["roc_auc", "accuracy", "precision", "recall", "log_loss"] as const;
const REGRESSOR_METRICS = ["mae", "rmse"] as const;
const METRIC_LABEL: Record<string, string> = {
  roc_auc: "ROC AUC",
  accuracy: "Accuracy",
  precision: "Precision",
  recall: "Recall",
  log_loss: "Log loss",
  mae: "MAE",
  rmse: "RMSE",
};

const value = (metric: number | null | undefined, digits = 3) =>
  metric === null || metric === undefined ? "—" : metric.toFixed(digits);

/**
 * Per version over the last 24 hours: how many logged predictions have labels, what the labels
 * say (realized), and for classifiers what the probabilities alone promise (estimated), so decay
 * shows before the labels arrive.
 */
export function RealizedQuality({ deploymentName }: { deploymentName: string }) {
  const trpc = useTRPC();
  const quality = useQuery({
    ...trpc.feedback.quality.queryOptions({ name: deploymentName, range: "24h" }),
    refetchInterval: REFRESH_MS,
  });
  return (
    <QueryState query={quality}>
      {({ task, versions }) => {
        if (task === null)
          return (
            <EmptyState title="No task to score labels against">
              Upload a golden set for this deployment's model: its task names the outputs labels are scored
              against.
            </EmptyState>
          );
        if (versions.length === 0)
          return (
            <EmptyState title="No logged predictions in the last 24 hours">
              Labels sent to the gateway&apos;s feedback route (by request id) are joined to logged
              predictions here.
            </EmptyState>
          );
        const metrics = task === "regression" ? REGRESSOR_METRICS : CLASSIFIER_METRICS;
        return (
          <DataTable
            caption="Realized quality per version, last 24 hours"
            columns={[
              "Version",
              "Logged",
              "Labelled",
              ...metrics.map((metric) => `${METRIC_LABEL[metric]} (realized)`),
              ...(task === "regression" ? [] : ["ROC AUC (estimated)", "Accuracy (estimated)"]),
            ]}
          >
            {versions.map((version) => {
              const samples = version.points.reduce((sum, point) => sum + point.samples, 0);
              const labelled = version.points.reduce((sum, point) => sum + point.labelledSamples, 0);
              // The newest hour that has labels holds the realized figures; the newest hour the estimate.
              const realized = [...version.points].reverse().find((point) => point.labelledSamples > 0);
              const newest = version.points.at(-1);
              return (
                <tr key={version.versionNumber}>
                  <td className="px-3 py-2 font-medium">v{version.versionNumber}</td>
                  <td className="px-3 py-2 tabular-nums">{samples.toLocaleString("en")}</td>
                  <td className="px-3 py-2 tabular-nums">
                    {labelled.toLocaleString("en")} ({PERCENT.format(samples === 0 ? 0 : labelled / samples)})
                  </td>
                  {metrics.map((metric) => (
                    <td key={metric} className="px-3 py-2 tabular-nums">
                      {value(realized?.realized[metric])}
                    </td>
                  ))}
                  {task !== "regression" && (
                    <>
                      <td className="px-3 py-2 tabular-nums">{value(newest?.estimated?.roc_auc)}</td>
                      <td className="px-3 py-2 tabular-nums">{value(newest?.estimated?.accuracy)}</td>
                    </>
                  )}
                </tr>
              );
            })}
          </DataTable>
        );
      }}
    </QueryState>
  );
}
