"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { RelativeTime } from "@/app/_components/time";
import { Card, DataTable, EmptyState, PageHeader } from "@/app/_components/ui";
import { UploadSample } from "./upload-sample";

export function FeatureSetPage() {
  const { name } = useParams<{ name: string }>();
  const trpc = useTRPC();
  const featureSet = useQuery(trpc.featureSet.byName.queryOptions({ name }));
  return (
    <QueryState query={featureSet} notFoundTitle="Feature set not found">
      {(data) => (
        <>
          <PageHeader
            breadcrumbs={[{ href: "/feature-sets", label: "Feature sets" }]}
            title={data.name}
            subtitle={data.description}
          />
          <UploadSample featureSetName={data.name} hasVersions={data.versions.length > 0} />
          <Card title="Versions">
            {data.versions.length === 0 ? (
              <EmptyState title="No versions yet">Upload a CSV sample above to create version 1.</EmptyState>
            ) : (
              <DataTable
                caption="Versions"
                columns={["Version", "Features", "Sample rows", "Linked model versions", "Created"]}
              >
                {data.versions.map((version) => (
                  <tr key={version.number} className="hover:bg-slate-50">
                    <td className="px-3 py-2">
                      <Link
                        className="font-medium text-indigo-700 hover:underline"
                        href={`/feature-sets/${data.name}/versions/${version.number}`}
                      >
                        v{version.number}
                      </Link>
                    </td>
                    <td className="max-w-lg px-3 py-2">
                      <span className="tabular-nums">{version.features.length}</span>{" "}
                      <span className="text-xs text-slate-500">
                        ({version.features.map((feature) => feature.name).join(", ")})
                      </span>
                    </td>
                    <td className="px-3 py-2 tabular-nums">{version.sampleRowCount.toLocaleString("en")}</td>
                    <td className="px-3 py-2 tabular-nums">{version.linkedModelVersionCount}</td>
                    <td className="px-3 py-2 text-slate-500">
                      <RelativeTime date={version.createdAt} />
                    </td>
                  </tr>
                ))}
              </DataTable>
            )}
          </Card>
        </>
      )}
    </QueryState>
  );
}
