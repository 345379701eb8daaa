import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  isNonJsonSerializable,
  splitLink,
  type TRPCClient,
} from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "@/server/trpc/root";

export interface MlopsClientOptions {
  /** The console's base URL, e.g. http://127.0.0.1:3000. */
  url: string;
  /** An API key (Settings, API keys); sent as a bearer token on every call. */
  apiKey?: string;
  /** Per-call limit; a call past it fails as unavailable rather than hanging a pipeline. */
  timeoutMs?: number;
}

export type MlopsClient = TRPCClient<AppRouter>;

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * The typed client CI pipelines and `bin/mlops` use: the same tRPC API as the browser, with the
 * key as a bearer token instead of a session cookie. Uploads (FormData) go unbatched.
 */
export function createMlopsClient({
  url,
  apiKey,
  timeoutMs = DEFAULT_TIMEOUT_MS,
}: MlopsClientOptions): MlopsClient {
  const trpcUrl = new URL("/api/trpc", url).toString();
  const headers = () => (apiKey ? { authorization: `Bearer ${apiKey}` } : {});
  const fetchWithTimeout: typeof fetch = (input, init) =>
    fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
  const common = { url: trpcUrl, transformer: superjson, headers, fetch: fetchWithTimeout };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => isNonJsonSerializable(op.input),
        true: httpLink(common),
        false: httpBatchLink(common),
      }),
    ],
  });
}
