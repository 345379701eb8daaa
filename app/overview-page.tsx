"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/app/_trpc/client";
import { QueryState } from "@/app/_components/query-state";
import { Card, PageHeader } from "@/app/_components/ui";
import { OverviewTable } from "./overview-table";

/** Refreshed while open, as the monitor folds new minutes every few seconds. */
const OVERVIEW_REFRESH_MS = 15_000;

export function OverviewPage() {
  const trpc = useTRPC();
  const overview = useQuery({
    ...trpc.monitoring.overview.queryOptions(),
    refetchInterval: OVERVIEW_REFRESH_MS,
  });
  return (
    <>
      <PageHeader
        title="Overview"
        subtitle="Every deployment over the last hour: health, traffic, errors, tail latency, cost and the last change."
      />
      <Card>
        <QueryState query={overview}>
          {(deployments) => <OverviewTable deployments={deployments} />}
        </QueryState>
      </Card>
    </>
  );
}
