import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { APP_ERRORS, type AppError, type AppErrorCode } from "@/server/domain/app-error";

// Fails to compile when server/domain/app-error.ts names a code tRPC does not have.
const TRPC_CODES: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = Object.fromEntries(
  Object.entries(APP_ERRORS).map(([code, row]) => [code, row.trpcCode]),
) as { [Code in AppErrorCode]: (typeof APP_ERRORS)[Code]["trpcCode"] };

export function trpcErrorOf(error: AppError): TRPCError {
  return new TRPCError({ code: TRPC_CODES[error.code], message: error.message, cause: error });
}
