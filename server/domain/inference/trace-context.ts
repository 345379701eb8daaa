/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/), the `traceparent` header:
 * `<version>-<trace-id>-<parent-id>-<trace-flags>` in lowercase hex, e.g.
 * `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`. A header that does not parse is
 * ignored, as the recommendation asks: tracing never fails a request.
 */
export interface TraceParent {
  traceId: string;
  parentId: string;
  /** Two hex digits; bit 0 is "sampled". */
  flags: string;
}

const VERSION_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** A later version may append fields after the four it shares with 00; version ff is invalid. */
const LATER_VERSION = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_PARENT_ID = "0".repeat(16);

/** The header's trace context, or null when it is absent or invalid. */
export function parseTraceParent(header: string | null | undefined): TraceParent | null {
  if (typeof header !== "string" || header.length > 512) return null;
  const value = header.trim();
  let match = VERSION_00.exec(value);
  let ids: [string, string, string];
  if (match) ids = [match[1]!, match[2]!, match[3]!];
  else {
    match = LATER_VERSION.exec(value);
    if (!match || match[1] === "00" || match[1] === "ff") return null;
    ids = [match[2]!, match[3]!, match[4]!];
  }
  const [traceId, parentId, flags] = ids;
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) return null;
  return { traceId, parentId, flags };
}

/** The header for a span of this trace: version 00, the trace's id and flags, the span's id. */
export function formatTraceParent(trace: TraceParent, spanId: string): string {
  return `00-${trace.traceId}-${spanId}-${trace.flags}`;
}

/** Stage durations of one request, in ms, as a `server-timing` header (RFC: W3C Server Timing). */
export function formatServerTiming(stages: [name: string, ms: number][]): string {
  return stages.map(([name, ms]) => `${name};dur=${Math.max(0, ms).toFixed(2)}`).join(", ");
}
