import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { JobPage } from "./job-page";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Prefetched queries={[trpcOnServer.batchJob.get.queryOptions({ id })]}>
      <JobPage />
    </Prefetched>
  );
}
