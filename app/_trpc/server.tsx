import {
  dehydrate,
  HydrationBoundary,
  type FetchInfiniteQueryOptions,
  type FetchQueryOptions,
} from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { cache, type ReactNode } from "react";
import { makeQueryClient } from "@/app/_trpc/query-client";
import { REQUEST_ID_HEADER, requestIdFrom } from "@/server/request-id";
import { createTRPCContext } from "@/server/trpc/context";
import { appRouter } from "@/server/trpc/root";

/** One query client per server request: React's cache scopes it to the render. */
const getQueryClient = cache(makeQueryClient);

/**
 * The tRPC API for server components: the same query options as `useTRPC()` in the browser, so a
 * prefetched query is the very cache entry the page's client component reads. Procedures run in
 * this process with the request's own context (team, request id), no HTTP round trip.
 */
export const trpcOnServer = createTRPCOptionsProxy({
  router: appRouter,
  queryClient: getQueryClient,
  ctx: async () => {
    const requestHeaders = await headers();
    return {
      ...createTRPCContext({
        headers: requestHeaders,
        requestId: requestIdFrom(requestHeaders.get(REQUEST_ID_HEADER)),
      }),
      requestHeaders,
    };
  },
});

/**
 * Renders `children` with `queries` already answered, so the page's first HTML holds its data,
 * not a spinner. A query that fails is left out: the client asks again and shows its error state.
 */
export async function Prefetched({
  queries = [],
  infiniteQueries = [],
  children,
}: {
  // Options of any procedure; each carries its own key and function.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  queries?: FetchQueryOptions<any, any, any, any>[];
  /** Paged lists: their first page. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  infiniteQueries?: FetchInfiniteQueryOptions<any, any, any, any, any>[];
  children: ReactNode;
}) {
  const queryClient = getQueryClient();
  await Promise.all([
    ...queries.map((query) => queryClient.prefetchQuery(query)),
    ...infiniteQueries.map((query) => queryClient.prefetchInfiniteQuery(query)),
  ]);
  return <HydrationBoundary state={dehydrate(queryClient)}>{children}</HydrationBoundary>;
}
