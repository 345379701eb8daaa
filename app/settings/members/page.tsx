import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { MembersPage } from "./members-page";

export default function Page() {
  return (
    <Prefetched queries={[trpcOnServer.member.list.queryOptions(), trpcOnServer.session.me.queryOptions()]}>
      <MembersPage />
    </Prefetched>
  );
}
