import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { FeatureSetsPage } from "./feature-sets-page";

export default function Page() {
  return (
    <Prefetched queries={[trpcOnServer.featureSet.list.queryOptions()]}>
      <FeatureSetsPage />
    </Prefetched>
  );
}
