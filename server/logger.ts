import { randomUUID } from "node:crypto";
import { pino, type DestinationStream, type Logger } from "pino";
import { readEnv } from "@/server/env";

export type { Logger };

const globalForLogger = globalThis as unknown as { mlopsLogger?: Logger };

/**
 * The process's structured JSON logger (one line per event on stdout). Child loggers add what
 * a line is about (`getLogger().child({ component: "gateway" })`). Secrets are redacted by key;
 * tensors and request bodies are never passed in.
 */
export function getLogger(): Logger {
  if (globalForLogger.mlopsLogger) return globalForLogger.mlopsLogger;
  const { LOG_LEVEL, LOG_FILE } = readEnv();
  globalForLogger.mlopsLogger = pino(
    {
      level: LOG_LEVEL,
      base: { pid: process.pid },
      redact: {
        paths: [
          "authorization",
          "*.authorization",
          "password",
          "*.password",
          "apiKey",
          "*.apiKey",
          "*.cookie",
        ],
        censor: "[redacted]",
      },
    },
    destination(LOG_FILE),
  );
  return globalForLogger.mlopsLogger;
}

/** Standard output, or a file for hosts that collect logs from files (and for tests that read them). */
function destination(logFile: string | undefined): DestinationStream {
  return logFile ? pino.destination({ dest: logFile, append: true, sync: true }) : pino.destination(1);
}

/**
 * Logs an error nobody planned for with a fresh reference id and returns the id: the caller
 * answers with internalErrorMessage(id), and the id finds the full error in the log.
 */
export function logUnexpectedError(error: unknown, context: Record<string, unknown> = {}): string {
  const referenceId = randomUUID();
  getLogger().error({ err: error, referenceId, ...context }, "unexpected error");
  return referenceId;
}

/**
 * The level of a "request answered" line: failures stand out, and the 200s, most of the
 * traffic, are debug lines the default level drops. So are 429s: they come by the thousand a
 * second exactly when a process is overloaded, and their refusers log them as counts.
 */
export function answeredLogLevel(statusCode: number): "warn" | "info" | "debug" {
  if (statusCode === 429) return "debug";
  return statusCode >= 500 ? "warn" : statusCode >= 400 ? "info" : "debug";
}
