import type { Logger } from "@/server/logger";

/**
 * What a process does with a promise rejection nobody handled: "log" and keep running, or "exit".
 * Each entry chooses: the gateway logs (a library's stray rejection, such as the one BullMQ's
 * waitUntilFinished let escape on a Redis drop, must not end every request in flight), the worker exits
 * (a supervisor restarts it and its jobs rerun).
 */
export type UnhandledRejectionPolicy = "log" | "exit";

/**
 * BullMQ's production advice: an error nobody caught is logged as one JSON line (Node would print a
 * bare stack on stderr that log collectors split). An uncaught exception always ends the process:
 * it was thrown out of synchronous code part-way through, so whatever that code was updating may be
 * half-done, and nothing can say the process state is sound. A rejection unwound through awaits
 * instead; that nobody listened to it is a bug to log, not proof of a broken process.
 */
export function handleUncaughtErrors(
  log: Logger,
  policy: { unhandledRejection: UnhandledRejectionPolicy },
): void {
  process.on("uncaughtException", (error) => {
    log.fatal({ err: error }, "uncaught exception; exiting");
    process.exit(1);
  });
  process.on("unhandledRejection", (error) => {
    if (policy.unhandledRejection === "log") {
      log.error({ err: error }, "unhandled rejection; the process keeps running");
      return;
    }
    log.fatal({ err: error }, "unhandled rejection; exiting");
    process.exit(1);
  });
}
