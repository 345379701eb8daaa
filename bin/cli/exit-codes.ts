import { TRPCClientError } from "@trpc/client";

/**
 * Exit codes a pipeline can branch on (docs/CLI.md lists them): each names a class of outcome, not
 * a single error, so a new server error lands in an existing class.
 */
export const EXIT_CODES = {
  ok: 0,
  /** A bug or an internal error of the console: report it with the reference id. */
  internal: 1,
  /** Wrong flags or arguments, or no configuration. */
  usage: 2,
  /** The named model, version, deployment, set or job does not exist (for this key's team). */
  notFound: 3,
  /** The console refused the change: bad input, the evaluation gate, nothing to roll back. */
  refused: 4,
  /** No key, a bad, expired or revoked key, or a role too low for the action. */
  denied: 5,
  /** The console, Redis or Postgres is unreachable or overloaded, or a call timed out: retry later. */
  unavailable: 6,
  /** The command ran but its outcome is a failure: an evaluation that failed, a job that failed. */
  failed: 7,
} as const;
export type ExitClass = keyof typeof EXIT_CODES;

export class CliError extends Error {
  constructor(
    readonly exitClass: ExitClass,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

const CLASS_OF_TRPC_CODE: Record<string, ExitClass> = {
  NOT_FOUND: "notFound",
  BAD_REQUEST: "refused",
  CONFLICT: "refused",
  UNPROCESSABLE_CONTENT: "refused",
  PAYLOAD_TOO_LARGE: "refused",
  UNSUPPORTED_MEDIA_TYPE: "refused",
  PRECONDITION_FAILED: "refused",
  UNAUTHORIZED: "denied",
  FORBIDDEN: "denied",
  TOO_MANY_REQUESTS: "unavailable",
  SERVICE_UNAVAILABLE: "unavailable",
  GATEWAY_TIMEOUT: "unavailable",
  TIMEOUT: "unavailable",
};

/** The exit class and sentence of anything a command threw. */
export function classify(error: unknown): { exitClass: ExitClass; message: string } {
  if (error instanceof CliError) return { exitClass: error.exitClass, message: error.message };
  if (error instanceof TRPCClientError) {
    const code = (error.data as { code?: string } | undefined)?.code;
    // No tRPC answer at all: refused connection, DNS, a timeout, or a proxy's HTML page.
    if (!code) return { exitClass: "unavailable", message: `the console did not answer: ${error.message}` };
    return { exitClass: CLASS_OF_TRPC_CODE[code] ?? "internal", message: error.message };
  }
  return { exitClass: "internal", message: error instanceof Error ? error.message : String(error) };
}
