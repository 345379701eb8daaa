"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/app/_trpc/client";
import { NotAVersion, useVersionRoute } from "@/app/_components/version-route";
import { BaselineHistogram } from "@/app/_components/baseline-histogram";
import { allowedValues, FeatureListTable } from "@/app/_components/feature-list";
import { QueryState } from "@/app/_components/query-state";
import { RelativeTime } from "@/app/_components/time";
import { Badge, Card, PageHeader } from "@/app/_components/ui";
import type { FeatureBaseline } from "@/server/domain/feature-set/baseline";

const NUMBER = new Intl.NumberFormat("en", { maximumSignificantDigits: 4 });

export function FeatureSetVersionPage() {
  const { name, number, raw } = useVersionRoute();
  const trpc = useTRPC();
  const version = useQuery({
    ...trpc.featureSet.versionByNumber.queryOptions({ name, number: number ?? 1 }),
    enabled: number !== null,
  });
  if (number === null) return <NotAVersion raw={raw} />;

  return (
    <QueryState query={version} notFoundTitle="Version not found">
      {(data) => (
        <>
          <PageHeader
            breadcrumbs={[
              { href: "/feature-sets", label: "Feature sets" },
              { href: `/feature-sets/${data.featureSet.name}`, label: data.featureSet.name },
            ]}
            title={`${data.featureSet.name} v${data.number}`}
            subtitle={
              <>
                {data.features.length} features · baseline from {data.sampleRowCount.toLocaleString("en")}{" "}
                sample rows · created <RelativeTime date={data.createdAt} />
              </>
            }
          />
          <Card
            title="Features"
            description="In column order: a model that takes one value per feature expects them in this order."
          >
            <FeatureListTable features={data.features} />
          </Card>
          <Card title="Used by" description="Model versions linked to this feature set version.">
            {data.linkedModelVersions.length === 0 ? (
              <p className="text-sm text-slate-500">No model version is linked yet.</p>
            ) : (
              <ul className="flex flex-wrap gap-2 text-sm">
                {data.linkedModelVersions.map((linked) => (
                  <li key={`${linked.modelName}-${linked.number}`}>
                    <Link
                      className="text-indigo-700 hover:underline"
                      href={`/models/${linked.modelName}/versions/${linked.number}`}
                    >
                      {linked.modelName} v{linked.number}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <h2 className="mb-3 text-lg font-semibold">Baseline distributions</h2>
          <div className="grid gap-4 md:grid-cols-2 2xl:grid-cols-3">
            {data.baseline.features.map((baseline, index) => (
              <section
                key={baseline.name}
                className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
                aria-labelledby={`baseline-${index}`}
              >
                <div className="mb-2 flex items-baseline justify-between gap-2">
                  <h3 id={`baseline-${index}`} className="font-mono text-sm font-medium">
                    {baseline.name}
                  </h3>
                  <span className="text-xs text-slate-500">{allowedValues(data.features[index]!)}</span>
                </div>
                <BaselineHistogram baseline={baseline} />
                <BaselineStats baseline={baseline} />
              </section>
            ))}
          </div>
        </>
      )}
    </QueryState>
  );
}

function BaselineStats({ baseline }: { baseline: FeatureBaseline }) {
  const missing =
    baseline.missingCount > 0 ? (
      <Badge tone="amber">{baseline.missingCount.toLocaleString("en")} missing</Badge>
    ) : null;
  if (baseline.kind === "categorical") {
    return (
      <p className="mt-2 text-xs text-slate-600">
        {baseline.frequencies.length} categories · {baseline.count.toLocaleString("en")} values {missing}
      </p>
    );
  }
  const distribution = baseline.distribution;
  if (!distribution) return <p className="mt-2 text-xs text-slate-600">No values {missing}</p>;
  return (
    <p className="mt-2 text-xs text-slate-600">
      mean {NUMBER.format(distribution.mean)} · std {NUMBER.format(distribution.std)} · median{" "}
      {NUMBER.format(distribution.quantiles.p50)} · range {NUMBER.format(distribution.min)} to{" "}
      {NUMBER.format(distribution.max)} {missing}
    </p>
  );
}
