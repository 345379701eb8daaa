import { AppError } from "@/server/domain/app-error";
import { isDatabaseUnavailable } from "@/server/services/prisma-errors";

/**
 * For route handlers outside tRPC (downloads): an AppError becomes its status with `{"error"}`
 * and its headers (retry-after), an unreachable database a 503 to retry; anything else goes on to
 * Next.js, which logs it.
 */
export async function answerAppErrors(answer: () => Promise<Response>): Promise<Response> {
  try {
    return await answer();
  } catch (caught) {
    const error = isDatabaseUnavailable(caught)
      ? new AppError("UNAVAILABLE", "the registry database is unavailable; retry later", {
          retryAfterSeconds: 1,
          cause: caught,
        })
      : caught;
    if (!(error instanceof AppError)) throw error;
    return Response.json({ error: error.message }, { status: error.httpStatus, headers: error.headers });
  }
}
