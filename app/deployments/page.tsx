import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { DeploymentsPage } from "./deployments-page";

export default function Page() {
  return (
    <Prefetched
      queries={[
        trpcOnServer.deployment.list.queryOptions(),
        trpcOnServer.host.list.queryOptions(),
        trpcOnServer.model.list.queryOptions({ query: "" }),
      ]}
    >
      <DeploymentsPage />
    </Prefetched>
  );
}
