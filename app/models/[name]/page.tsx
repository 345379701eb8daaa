import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { ModelPage } from "./model-page";

export default async function Page({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return (
    <Prefetched
      queries={[
        trpcOnServer.model.byName.queryOptions({ name }),
        trpcOnServer.goldenSet.list.queryOptions({ modelName: name }),
        trpcOnServer.evaluation.list.queryOptions({ modelName: name }),
      ]}
    >
      <ModelPage />
    </Prefetched>
  );
}
