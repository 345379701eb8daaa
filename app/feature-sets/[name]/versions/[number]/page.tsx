import { parseVersionNumber } from "@/app/_components/version-number";
import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { FeatureSetVersionPage } from "./feature-set-version-page";

export default async function Page({ params }: { params: Promise<{ name: string; number: string }> }) {
  const { name, number: segment } = await params;
  const number = parseVersionNumber(segment);
  return (
    <Prefetched
      queries={
        number === null ? [] : [trpcOnServer.featureSet.versionByNumber.queryOptions({ name, number })]
      }
    >
      <FeatureSetVersionPage />
    </Prefetched>
  );
}
