import { QueryClient } from "@tanstack/react-query";
import superjson from "superjson";

/**
 * The console's query client, on the server (one per request, filled by prefetches) and in the
 * browser (one per tab). Dehydrated data goes through superjson, as the tRPC link does, so dates
 * and bigints reach client components as the API sends them.
 */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: false },
      dehydrate: { serializeData: superjson.serialize },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}
