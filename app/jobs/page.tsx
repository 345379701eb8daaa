import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { JobsPage } from "./jobs-page";

export default function Page() {
  return (
    <Prefetched queries={[trpcOnServer.batchJob.list.queryOptions({})]}>
      <JobsPage />
    </Prefetched>
  );
}
