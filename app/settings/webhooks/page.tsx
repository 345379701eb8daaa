import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { WebhooksPage } from "./webhooks-page";

export default function Page() {
  return (
    <Prefetched queries={[trpcOnServer.webhook.list.queryOptions({})]}>
      <WebhooksPage />
    </Prefetched>
  );
}
