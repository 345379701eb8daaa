import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { ApiKeysPage } from "./api-keys-page";

export default function Page() {
  return (
    <Prefetched
      queries={[trpcOnServer.apiKey.list.queryOptions(), trpcOnServer.deployment.list.queryOptions()]}
    >
      <ApiKeysPage />
    </Prefetched>
  );
}
