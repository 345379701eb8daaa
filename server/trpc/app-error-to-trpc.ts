import { type TRPCError } from "@trpc/server";
import type { AppErrorCode } from "@/server/domain/app-error";

type TRPCErrorCode = ConstructorParameters<typeof TRPCError>[0]["code"];

export const TRPC_CODE_BY_APP_ERROR: Record<AppErrorCode, TRPCErrorCode> = {
  BAD_REQUEST: "BAD_REQUEST",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNPROCESSABLE: "UNPROCESSABLE_CONTENT",
  FORBIDDEN: "FORBIDDEN",
  UNAUTHORIZED: "UNAUTHORIZED",
  INTERNAL: "INTERNAL_SERVER_ERROR",
};
