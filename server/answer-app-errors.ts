import { AppError } from "@/server/domain/app-error";

/**
 * For route handlers outside tRPC (downloads): an AppError becomes its status with `{"error"}`
 * and its headers (retry-after); anything else goes on to Next.js, which logs it.
 */
export async function answerAppErrors(answer: () => Promise<Response>): Promise<Response> {
  try {
    return await answer();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return Response.json({ error: error.message }, { status: error.httpStatus, headers: error.headers });
  }
}
