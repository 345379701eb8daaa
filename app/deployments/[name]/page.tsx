import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { DeploymentPage } from "./deployment-page";
import { LIVE_TRAFFIC_MINUTES } from "./live-traffic-span";

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return (
    <Prefetched
      queries={[
        trpcOnServer.deployment.byName.queryOptions({ name }),
        trpcOnServer.deployment.liveTraffic.queryOptions({ name, minutes: LIVE_TRAFFIC_MINUTES }),
        trpcOnServer.deployment.shadowStats.queryOptions({ name }),
      ]}
    >
      <DeploymentPage />
    </Prefetched>
  );
}
