"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/app/_trpc/client";
import { NotAVersion, useVersionRoute } from "@/app/_components/version-route";
import { QueryState } from "@/app/_components/query-state";
import { SignatureTable } from "@/app/_components/signature-table";
import { RelativeTime } from "@/app/_components/time";
import { Badge, Card, DefinitionList, PageHeader } from "@/app/_components/ui";
import { formatMetric, orderedMetrics } from "@/app/_components/metrics-chart";
import { formatBytes } from "@/server/domain/format";
import { LinkFeatureSet } from "./link-feature-set";

export function ModelVersionPage() {
  const { name, number, raw } = useVersionRoute();
  const trpc = useTRPC();
  const version = useQuery({
    ...trpc.modelVersion.byNumber.queryOptions({ modelName: name, number: number ?? 1 }),
    enabled: number !== null,
  });
  if (number === null) return <NotAVersion raw={raw} />;
  return (
    <QueryState query={version} notFoundTitle="Version not found">
      {(data) => (
        <>
          <PageHeader
            breadcrumbs={[
              { href: "/models", label: "Models" },
              { href: `/models/${data.model.name}`, label: data.model.name },
            ]}
            title={`${data.model.name} v${data.number}`}
            subtitle={
              <>
                <Badge
                  tone={data.status === "failed" ? "red" : data.status === "validated" ? "green" : "indigo"}
                >
                  {data.status}
                </Badge>{" "}
                registered <RelativeTime date={data.createdAt} />
                {data.description && <> · {data.description}</>}
              </>
            }
          />
          <div className="grid gap-6 xl:grid-cols-2">
            <Card title="Inputs" description="What a request must send.">
              <SignatureTable caption="Inputs" tensors={data.signature.inputs} />
            </Card>
            <Card title="Outputs" description="What a response returns.">
              <SignatureTable caption="Outputs" tensors={data.signature.outputs} />
            </Card>
          </div>
          <div className="grid gap-6 xl:grid-cols-2">
            <Card title="Artifact">
              <DefinitionList
                items={[
                  { term: "sha256", value: <code className="font-mono text-xs">{data.artifactSha256}</code> },
                  {
                    term: "Size",
                    value: `${formatBytes(data.artifactSizeBytes)} (${data.artifactSizeBytes.toLocaleString("en")} bytes)`,
                  },
                  {
                    term: "Download",
                    value: (
                      <a
                        className="text-indigo-700 hover:underline"
                        href={`/api/artifacts/${data.artifactSha256}`}
                        download={`${data.model.name}-v${data.number}.onnx`}
                      >
                        {data.model.name}-v{data.number}.onnx
                      </a>
                    ),
                  },
                  { term: "IR version", value: data.irVersion ?? "—" },
                  {
                    term: "Opsets",
                    value: data.opsetImports.length
                      ? data.opsetImports
                          .map((opset) => `${opset.domain || "ai.onnx"} ${opset.version}`)
                          .join(", ")
                      : "—",
                  },
                  {
                    term: "Producer",
                    value: data.producerName ? `${data.producerName} ${data.producerVersion ?? ""}` : "—",
                  },
                ]}
              />
            </Card>
            <Card title="Lineage">
              <DefinitionList
                items={[
                  {
                    term: "Git commit",
                    value: data.gitCommit ? <code className="font-mono text-xs">{data.gitCommit}</code> : "—",
                  },
                  { term: "Training data", value: data.dataRef ?? "—" },
                  {
                    term: "Feature set",
                    value: data.featureSet ? (
                      <Link
                        className="text-indigo-700 hover:underline"
                        href={`/feature-sets/${data.featureSet.name}/versions/${data.featureSet.version}`}
                      >
                        {data.featureSet.name} v{data.featureSet.version}
                      </Link>
                    ) : (
                      "—"
                    ),
                  },
                  {
                    term: "Tags",
                    value: Object.keys(data.tags).length ? (
                      <span className="flex flex-wrap gap-1">
                        {Object.entries(data.tags).map(([key, value]) => (
                          <Badge key={key}>
                            {key}: {value}
                          </Badge>
                        ))}
                      </span>
                    ) : (
                      "—"
                    ),
                  },
                ]}
              />
            </Card>
          </div>
          <Card title="Metrics">
            {Object.keys(data.metrics).length === 0 ? (
              <p className="text-sm text-slate-500">No metrics were reported for this version.</p>
            ) : (
              <DefinitionList
                items={orderedMetrics(data.metrics).map(([metric, value]) => ({
                  term: metric,
                  value: <span className="tabular-nums">{formatMetric(value)}</span>,
                }))}
              />
            )}
          </Card>
          <Card title="Feature set link" description="The model's input width must match the feature count.">
            <LinkFeatureSet modelName={data.model.name} number={data.number} current={data.featureSet} />
          </Card>
        </>
      )}
    </QueryState>
  );
}
