"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { TrafficSplit } from "@/app/_components/traffic-split";
import { Badge, Card, DataTable, DefinitionList, PageHeader } from "@/app/_components/ui";
import { ApprovalSetting } from "./approval-setting";
import { CanaryAnalysis } from "./canary-analysis";
import { DeploymentMonitoring } from "./deployment-charts";
import { DriftReports } from "./drift-report";
import { FiringAlerts } from "./firing-alerts";
import { PromotionRequests } from "./promotion-requests";
import { RealizedQuality } from "./realized-quality";
import { RevisionHistory } from "./revision-history";
import { TrafficActions } from "./traffic-actions";

const LIVE_REFRESH_MS = 10_000;
const PERCENT = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });

export function DeploymentPage() {
  const { name } = useParams<{ name: string }>();
  const trpc = useTRPC();
  const deployment = useQuery(trpc.deployment.byName.queryOptions({ name }));
  const shadows = useQuery({
    ...trpc.deployment.shadowStats.queryOptions({ name }),
    refetchInterval: LIVE_REFRESH_MS,
    enabled: deployment.isSuccess,
  });

  return (
    <QueryState query={deployment} notFoundTitle="Deployment not found">
      {(data) => {
        const active = data.activeRevision;
        const curl = `curl -s ${data.inferUrl} -H 'content-type: application/json' -d '{"inputs":[{"name":"…","shape":[1,…],"datatype":"FP32","data":[…]}]}'`;
        return (
          <>
            <PageHeader
              breadcrumbs={[{ href: "/deployments", label: "Deployments" }]}
              title={data.name}
              actions={<FiringAlerts deploymentName={data.name} />}
              subtitle={
                <>
                  <Badge tone={data.environment === "production" ? "green" : "slate"}>
                    {data.environment}
                  </Badge>{" "}
                  serving{" "}
                  <Link className="text-indigo-700 hover:underline" href={`/models/${data.modelName}`}>
                    {data.modelName}
                  </Link>{" "}
                  · revision #{active.number}
                </>
              }
            />
            <Card title="Traffic" description={`Revision #${active.number}: ${active.reason}`}>
              <div data-testid="active-traffic">
                <TrafficSplit target={active.target} />
              </div>
              <div className="mt-5">
                <TrafficActions
                  deploymentName={data.name}
                  target={active.target}
                  revisionNumber={active.number}
                  rollbackTo={data.rollbackTo}
                  versions={data.versions}
                  approvalRequired={data.approvalRequired}
                />
              </div>
            </Card>
            {data.approvalRequired && (
              <Card
                title="Promotion requests"
                description="This deployment requires approval: a promotion applies once someone other than its requester approves it."
              >
                <PromotionRequests deploymentName={data.name} />
              </Card>
            )}
            <DeploymentMonitoring name={data.name} />
            {active.target.shadows.length > 0 && (
              <Card
                title="Shadow comparison"
                description="Shadow answers against the primary's for the same requests; clients never see them."
              >
                <QueryState query={shadows}>
                  {(rows) => (
                    <DataTable
                      caption="Shadow comparison"
                      columns={[
                        "Shadow",
                        "Requests compared",
                        "Agreement (exact outputs)",
                        "Mean |Δ| (float outputs)",
                        "Latency Δ vs primary",
                      ]}
                    >
                      {rows.map((row) => (
                        <tr key={row.versionNumber}>
                          <td className="px-3 py-2 font-medium">v{row.versionNumber}</td>
                          <td className="px-3 py-2 tabular-nums">{row.requests.toLocaleString("en")}</td>
                          <td className="px-3 py-2 tabular-nums">
                            {row.agreementRate === null ? "—" : PERCENT.format(row.agreementRate)}
                          </td>
                          <td className="px-3 py-2 tabular-nums">
                            {row.meanAbsDiff === null ? "—" : row.meanAbsDiff.toFixed(4)}
                          </td>
                          <td className="px-3 py-2 tabular-nums">
                            {row.latencyDeltaMs === null
                              ? "—"
                              : `${row.latencyDeltaMs >= 0 ? "+" : ""}${row.latencyDeltaMs.toFixed(2)} ms`}
                          </td>
                        </tr>
                      ))}
                    </DataTable>
                  )}
                </QueryState>
              </Card>
            )}
            <Card
              title="Canary analysis"
              description="A canary that steps itself up, promotes itself or rolls itself back on error rate, p95 latency and ROC AUC against the stable version (realized from labels where both have them, else estimated)."
            >
              <CanaryAnalysis
                deploymentName={data.name}
                versions={data.versions.map((version) => version.number)}
              />
            </Card>
            <Card
              title="Quality from labels"
              description="Labels sent later by request id, joined to the logged predictions: realized figures from the newest hour with labels, the label-free estimate (CBPE) from the newest hour."
            >
              <RealizedQuality deploymentName={data.name} />
            </Card>
            <Card
              title="Drift and data quality"
              description="Each version's logged inputs in the newest window against its feature set's baseline, and its outputs against a reference window of its own traffic: KS or chi-square up to 1,000 reference rows, normed Wasserstein or Jensen-Shannon above, PSI always."
            >
              <DriftReports deploymentName={data.name} />
            </Card>
            <Card
              title="Revision history"
              description="Every traffic change and how long it served; rollback returns to the revision that was active before, restore to any earlier one."
            >
              <RevisionHistory
                deploymentName={data.name}
                activeNumber={active.number}
                revisions={data.revisions}
              />
            </Card>
            <Card title="Endpoint and settings">
              <DefinitionList
                items={[
                  {
                    term: "Infer (Open Inference Protocol v2)",
                    value: <code className="break-all font-mono text-xs">POST {data.inferUrl}</code>,
                  },
                  {
                    term: "Example",
                    value: (
                      <code className="block break-all rounded bg-slate-50 p-2 font-mono text-xs">
                        {curl}
                      </code>
                    ),
                  },
                  {
                    term: "Batching",
                    value: `up to ${data.maxBatchSize} rows per batch, waiting at most ${data.maxQueueDelayMs} ms while the model is busy`,
                  },
                  {
                    term: "Device",
                    value: data.device === "cuda" ? "GPU (CUDA), CPU where no GPU is present" : "CPU",
                  },
                  { term: "Replicas", value: data.replicas },
                  {
                    term: "Prediction log",
                    value:
                      data.predictionSampleRate === 0
                        ? "off: no requests are logged"
                        : `${PERCENT.format(data.predictionSampleRate)} of answered requests are logged with their outputs, for drift and labels`,
                  },
                  {
                    term: "Approval",
                    value: <ApprovalSetting deploymentName={data.name} required={data.approvalRequired} />,
                  },
                  {
                    term: "Evaluation gate",
                    value: data.gate.required
                      ? `promotions must do no worse than production on golden set '${data.gate.goldenSetName}' by more than ${data.gate.margin} on any metric`
                      : "off: promotions are not checked against a golden set",
                  },
                ]}
              />
            </Card>
          </>
        );
      }}
    </QueryState>
  );
}
