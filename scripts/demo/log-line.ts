/** pino's numeric levels, as a person reads them in a terminal. */
const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
/** Fields every line has, or that the readable form already shows. */
const SHOWN_FIELDS = new Set(["level", "time", "pid", "msg", "hostname"]);

/**
 * The demo runs four processes in one terminal: their JSON log lines are shown as
 * `INFO message key=value ...`, with an error's message (not its stack). Lines that are not
 * pino JSON pass through unchanged; the processes themselves always write JSON.
 */
export function readableLogLine(line: string): string {
  if (!line.startsWith("{")) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry.level !== "number" || typeof entry.msg !== "string") return line;
  const level = LEVEL_NAMES[entry.level] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key]) => !SHOWN_FIELDS.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return [level.padEnd(5), entry.msg, ...fields].join(" ");
}

function formatValue(value: unknown): string {
  if (value && typeof value === "object" && "message" in value)
    return JSON.stringify((value as { message: unknown }).message);
  return typeof value === "string" ? value : JSON.stringify(value);
}
