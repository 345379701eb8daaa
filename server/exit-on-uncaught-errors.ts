import type { Logger } from "@/server/logger";

/**
 * BullMQ's production advice: an error nobody caught is logged as one JSON line before the
 * process ends (Node would end it anyway, with a bare stack on stderr that log collectors split).
 */
export function exitOnUncaughtErrors(log: Logger): void {
  process.on("uncaughtException", (error) => {
    log.fatal({ err: error }, "uncaught exception; exiting");
    process.exit(1);
  });
  process.on("unhandledRejection", (error) => {
    log.fatal({ err: error }, "unhandled rejection; exiting");
    process.exit(1);
  });
}
