import { AppError } from "@/server/domain/app-error";

/** The AppError `run` throws, so a test can check its code, message and details together. */
export function appErrorOf(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError, but nothing was thrown");
}

/** The AppError the promise `run` returns rejects with (the scanning folds are asynchronous). */
export async function rejectedAppError(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError, but the promise resolved");
}
