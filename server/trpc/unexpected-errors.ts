import { TRPCError } from "@trpc/server";
import { AppError, internalErrorMessage } from "@/server/domain/app-error";
import { logUnexpectedError } from "@/server/logger";

/** The cause of an internal error already logged: it carries the reference id and nothing else. */
class LoggedError extends Error {
  constructor(readonly referenceId: string) {
    super(`logged as ${referenceId}`);
    this.name = "LoggedError";
  }
}

/**
 * An error nobody planned for goes to the log in full, under a fresh reference id; the caller gets
 * "internal error" and the id, never the message, stack, SQL or path of what failed.
 */
export function internalTRPCError(
  error: unknown,
  context: { path?: string; type?: string; requestId?: string },
): TRPCError {
  const referenceId = logUnexpectedError(error, { component: "trpc", ...context });
  return new TRPCError({
    code: "INTERNAL_SERVER_ERROR",
    message: internalErrorMessage(referenceId),
    cause: new LoggedError(referenceId),
  });
}

/** An internal error not yet replaced: neither an AppError (its message is meant for the caller) nor logged. */
export function isUnexpected(error: TRPCError): boolean {
  return (
    error.code === "INTERNAL_SERVER_ERROR" &&
    !(error.cause instanceof LoggedError) &&
    !(error.cause instanceof AppError)
  );
}
