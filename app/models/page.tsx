import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { ModelsPage } from "./models-page";

export default function Page() {
  return (
    <Prefetched queries={[trpcOnServer.model.list.queryOptions({ query: "" })]}>
      <ModelsPage />
    </Prefetched>
  );
}
