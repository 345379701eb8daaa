import { readEnv } from "@/server/env";

/** What every procedure knows about its caller before any middleware runs. */
export interface TRPCContext {
  /** Which team the caller acts in; sign-in will derive it from the session or API key. */
  teamSlug: string;
  /** Who acts, for revisions and the audit log ("user:<id>", "apikey:<id>"; "local" until sign-in). */
  actor: string;
  /** The request's id in log lines (the caller's `x-request-id`, or a fresh one). */
  requestId: string;
}

export function createTRPCContext({
  headers,
  requestId,
}: {
  headers: Headers;
  requestId: string;
}): TRPCContext {
  return {
    teamSlug: headers.get("x-team")?.trim() || readEnv().DEFAULT_TEAM_SLUG,
    actor: "local",
    requestId,
  };
}
