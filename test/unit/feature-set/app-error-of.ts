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
