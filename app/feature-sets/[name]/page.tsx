import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { FeatureSetPage } from "./feature-set-page";

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return (
    <Prefetched queries={[trpcOnServer.featureSet.byName.queryOptions({ name })]}>
      <FeatureSetPage />
    </Prefetched>
  );
}
