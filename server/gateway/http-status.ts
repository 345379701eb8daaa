import type { AppErrorCode } from "@/server/domain/app-error";

/** The gateway's mapping of service errors to HTTP statuses (the tRPC side has its own). */
export const HTTP_STATUS_BY_APP_ERROR: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE: 422,
  INTERNAL: 500,
};
