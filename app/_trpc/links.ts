import {
  httpBatchLink,
  httpLink,
  isNonJsonSerializable,
  splitLink,
  type HTTPLinkOptions,
} from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "@/server/trpc/root";

const TRPC_URL = "/api/trpc";

/** File uploads (FormData) cannot be batched: they go through httpLink, everything else is batched. */
export function createLinks(uploadFetch?: HTTPLinkOptions<AppRouter["_def"]["_config"]["$types"]>["fetch"]) {
  return [
    splitLink<AppRouter>({
      condition: (op) => isNonJsonSerializable(op.input),
      true: httpLink({ url: TRPC_URL, transformer: superjson, fetch: uploadFetch }),
      false: httpBatchLink({ url: TRPC_URL, transformer: superjson }),
    }),
  ];
}
