"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { SignatureSummary } from "@/app/_components/signature-table";
import { RelativeTime } from "@/app/_components/time";
import { Badge, Card, DataTable, EmptyState, PageHeader } from "@/app/_components/ui";
import { VersionMetricsChart, formatMetric, orderedMetrics } from "@/app/_components/metrics-chart";
import { formatBytes } from "@/server/domain/format";
import { Evaluations } from "./evaluations";
import { UploadVersion } from "./upload-version";

export function ModelPage() {
  const { name } = useParams<{ name: string }>();
  const trpc = useTRPC();
  const model = useQuery(trpc.model.byName.queryOptions({ name }));

  return (
    <QueryState query={model} notFoundTitle="Model not found">
      {(data) => (
        <>
          <PageHeader
            breadcrumbs={[{ href: "/models", label: "Models" }]}
            title={data.name}
            subtitle={
              <>
                <Badge>{data.task}</Badge> {data.description}
              </>
            }
          />
          <UploadVersion modelName={data.name} />
          <Card title="Versions" description={`${data.versions.length} registered`}>
            {data.versions.length === 0 ? (
              <EmptyState title="No versions yet">
                Upload an ONNX file above to register version 1.
              </EmptyState>
            ) : (
              <DataTable
                caption="Versions"
                columns={[
                  "Version",
                  "Serves",
                  "Inputs",
                  "Outputs",
                  "Metrics",
                  "Feature set",
                  "Size",
                  "Registered",
                ]}
              >
                {data.versions.map((version) => (
                  <tr key={version.number} className="align-top hover:bg-slate-50">
                    <td className="px-3 py-2">
                      <Link
                        href={`/models/${data.name}/versions/${version.number}`}
                        className="font-medium text-indigo-700 hover:underline"
                      >
                        v{version.number}
                      </Link>
                      {version.description && (
                        <p className="max-w-xs text-xs text-slate-500">{version.description}</p>
                      )}
                    </td>
                    <td className="px-3 py-2 text-xs">
                      {version.servedBy.length === 0 ? (
                        <span className="text-slate-400">not serving</span>
                      ) : (
                        version.servedBy.map((place) => (
                          <div key={place.deploymentName} className="whitespace-nowrap">
                            <Link
                              href={`/deployments/${place.deploymentName}`}
                              className="text-indigo-700 hover:underline"
                            >
                              {place.deploymentName}
                            </Link>{" "}
                            <span className="tabular-nums text-slate-600">
                              {place.shadow ? "shadow" : `${place.weightPercent}%`}
                            </span>
                          </div>
                        ))
                      )}
                    </td>
                    <td className="px-3 py-2">
                      <SignatureSummary tensors={version.signature.inputs} />
                    </td>
                    <td className="px-3 py-2">
                      <SignatureSummary tensors={version.signature.outputs} />
                    </td>
                    <td className="px-3 py-2 text-xs">
                      {orderedMetrics(version.metrics)
                        .slice(0, 4)
                        .map(([metric, value]) => (
                          <div key={metric} className="whitespace-nowrap">
                            <span className="text-slate-500">{metric}</span>{" "}
                            <span className="tabular-nums">{formatMetric(value)}</span>
                          </div>
                        ))}
                    </td>
                    <td className="px-3 py-2 text-xs">
                      {version.featureSet ? `${version.featureSet.name} v${version.featureSet.version}` : "—"}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 tabular-nums">
                      {formatBytes(version.artifactSizeBytes)}
                    </td>
                    <td className="whitespace-nowrap px-3 py-2 text-slate-500">
                      <RelativeTime date={version.createdAt} />
                    </td>
                  </tr>
                ))}
              </DataTable>
            )}
          </Card>
          {data.versions.length > 0 && (
            <Card
              title="Metrics by version"
              description="Scores between 0 and 1 as reported at registration."
            >
              <VersionMetricsChart versions={data.versions} />
            </Card>
          )}
          <Evaluations modelName={data.name} />
        </>
      )}
    </QueryState>
  );
}
