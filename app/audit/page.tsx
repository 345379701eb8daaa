import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { AuditLogPage } from "./audit-log-page";
import { AUDIT_PAGE_SIZE } from "./audit-page-size";

export default function Page() {
  return (
    <Prefetched
      infiniteQueries={[
        trpcOnServer.audit.list.infiniteQueryOptions(
          { limit: AUDIT_PAGE_SIZE },
          { getNextPageParam: (page) => page.nextCursor ?? undefined },
        ),
      ]}
    >
      <AuditLogPage />
    </Prefetched>
  );
}
