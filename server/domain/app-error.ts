/**
 * The one error type services, the gateway and workers throw on purpose. Each code has one row in
 * APP_ERRORS: the HTTP status the gateway and route handlers answer with, and the tRPC code the API
 * answers with (server/trpc/errors.ts checks these names against tRPC's own). The message is shown
 * to the caller as is, so it must name the problem and never carry internals.
 */
export const APP_ERRORS = {
  BAD_REQUEST: { httpStatus: 400, trpcCode: "BAD_REQUEST" },
  UNAUTHORIZED: { httpStatus: 401, trpcCode: "UNAUTHORIZED" },
  FORBIDDEN: { httpStatus: 403, trpcCode: "FORBIDDEN" },
  NOT_FOUND: { httpStatus: 404, trpcCode: "NOT_FOUND" },
  CONFLICT: { httpStatus: 409, trpcCode: "CONFLICT" },
  PAYLOAD_TOO_LARGE: { httpStatus: 413, trpcCode: "PAYLOAD_TOO_LARGE" },
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, trpcCode: "UNSUPPORTED_MEDIA_TYPE" },
  UNPROCESSABLE: { httpStatus: 422, trpcCode: "UNPROCESSABLE_CONTENT" },
  TOO_MANY_REQUESTS: { httpStatus: 429, trpcCode: "TOO_MANY_REQUESTS" },
  /** The caller went away before its answer (nginx's 499): nobody reads this status, the log does. */
  CLIENT_CLOSED_REQUEST: { httpStatus: 499, trpcCode: "CLIENT_CLOSED_REQUEST" },
  INTERNAL: { httpStatus: 500, trpcCode: "INTERNAL_SERVER_ERROR" },
  /** A dependency (Redis, Postgres, every worker) is down; retrying later can succeed. */
  UNAVAILABLE: { httpStatus: 503, trpcCode: "SERVICE_UNAVAILABLE" },
  /** The request's deadline passed before an answer. */
  DEADLINE_EXCEEDED: { httpStatus: 504, trpcCode: "GATEWAY_TIMEOUT" },
} as const;

export type AppErrorCode = keyof typeof APP_ERRORS;

export interface AppErrorOptions {
  /** Sent as `retry-after` (429, 503): when the caller may try again. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly retryAfterSeconds: number | undefined;

  constructor(
    public readonly code: AppErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get httpStatus(): number {
    return APP_ERRORS[this.code].httpStatus;
  }

  /** Headers that go with the status, e.g. `retry-after` for 429 and 503. */
  get headers(): Record<string, string> {
    return this.retryAfterSeconds === undefined ? {} : { "retry-after": String(this.retryAfterSeconds) };
  }
}

/** What a caller sees of an error nobody planned for: no message, stack or path, only where to look. */
export function internalErrorMessage(referenceId: string): string {
  return `internal error (reference ${referenceId}); the server log has the details`;
}
