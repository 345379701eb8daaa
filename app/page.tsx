import type { Metadata } from "next";
import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { OverviewPage } from "./overview-page";

export const metadata: Metadata = { title: "Overview" };

export default function Page() {
  return (
    <Prefetched queries={[trpcOnServer.monitoring.overview.queryOptions()]}>
      <OverviewPage />
    </Prefetched>
  );
}
