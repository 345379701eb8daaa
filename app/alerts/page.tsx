import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { AlertsPage } from "./alerts-page";

export default function Page() {
  return (
    <Prefetched
      queries={[
        trpcOnServer.alert.rules.queryOptions({}),
        trpcOnServer.alert.events.queryOptions({ limit: 100 }),
        trpcOnServer.deployment.list.queryOptions(),
      ]}
    >
      <AlertsPage />
    </Prefetched>
  );
}
