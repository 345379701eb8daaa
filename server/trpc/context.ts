import type { Caller } from "@/server/domain/access/caller";
import { resolveCaller } from "@/server/services/auth/resolve-caller";

/** What every procedure knows about its caller before any middleware runs. */
export interface TRPCContext {
  /**
   * Who calls (API key, session, or the local caller): resolved by the procedures' middleware, so
   * refused credentials are answered as any AppError (401), and once per request for a batch.
   */
  resolveCaller: () => Promise<Caller>;
  /** The request's id in log lines (the caller's `x-request-id`, or a fresh one). */
  requestId: string;
  /** The request's headers, for procedures about the session itself (session.me); absent in process. */
  requestHeaders?: Headers;
}

export function createTRPCContext({
  headers,
  requestId,
}: {
  headers: Headers;
  requestId: string;
}): TRPCContext {
  let caller: Promise<Caller> | undefined;
  return { resolveCaller: () => (caller ??= resolveCaller(headers)), requestId, requestHeaders: headers };
}
