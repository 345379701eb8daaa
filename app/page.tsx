import { rootPageTitle } from "@/app/_components/page-title";
import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { OverviewPage } from "./overview-page";

export const metadata = rootPageTitle("Overview");

export default function Page() {
  return (
    <Prefetched queries={[trpcOnServer.monitoring.overview.queryOptions()]}>
      <OverviewPage />
    </Prefetched>
  );
}
