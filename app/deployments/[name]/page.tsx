import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { DeploymentPage } from "./deployment-page";
import { DEFAULT_CHART_RANGE } from "./chart-range";

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return (
    <Prefetched
      queries={[
        trpcOnServer.deployment.byName.queryOptions({ name }),
        trpcOnServer.monitoring.deploymentCharts.queryOptions({ name, range: DEFAULT_CHART_RANGE }),
        trpcOnServer.monitoring.deploymentOverhead.queryOptions({ name, range: DEFAULT_CHART_RANGE }),
        trpcOnServer.deployment.shadowStats.queryOptions({ name }),
        trpcOnServer.drift.reports.queryOptions({ name, limit: 50 }),
        trpcOnServer.alert.rules.queryOptions({ deploymentName: name }),
        trpcOnServer.canary.list.queryOptions({ name }),
        trpcOnServer.feedback.quality.queryOptions({ name, range: "24h" }),
        trpcOnServer.session.caller.queryOptions(),
      ]}
    >
      <DeploymentPage />
    </Prefetched>
  );
}
