import http from "node:http";

/** One request of a fault or overload test, as its client saw it. */
export interface SentRequest {
  /** performance.now() when it was sent. */
  sentAtMs: number;
  latencyMs: number;
  /** The HTTP status, or 0 when the socket failed (`error` says how). */
  status: number;
  retryAfter: string | null;
  error: string | null;
}

export interface TrafficTarget {
  /** Full URL of the infer endpoint. */
  url: string;
  /** The serialized request, sent as is every time. */
  body: Buffer;
  /** The client gives up this long after sending (a test bound, above the gateway's deadline). */
  clientTimeoutMs: number;
  headers?: Record<string, string>;
}

/**
 * Closed loop: `clients` clients, each sends a request, reads the whole answer and sends the next,
 * until `durationMs` passed or `shouldStop` says so. Every request is recorded, none is dropped.
 */
export async function closedLoop(
  target: TrafficTarget,
  options: {
    clients: number;
    durationMs: number;
    shouldStop?: () => boolean;
    /** Filled with each unanswered request's send time (performance.now()), for a live view. */
    unanswered?: Set<{ sentAtMs: number }>;
  },
): Promise<SentRequest[]> {
  const agent = keepAliveAgent(options.clients);
  const sent: SentRequest[] = [];
  const endAtMs = performance.now() + options.durationMs;
  const client = async () => {
    while (performance.now() < endAtMs && !options.shouldStop?.()) {
      const waiting = { sentAtMs: performance.now() };
      options.unanswered?.add(waiting);
      sent.push(await send(target, agent));
      options.unanswered?.delete(waiting);
    }
  };
  await Promise.all(Array.from({ length: options.clients }, client));
  agent.destroy();
  return sent;
}

/**
 * Open loop: a request every 1/ratePerSecond seconds for `durationMs` or until `shouldStop` says
 * so, whether or not earlier ones were answered (as independent users arrive), over at most
 * `maxSockets` connections.
 */
export async function openLoop(
  target: TrafficTarget,
  options: { ratePerSecond: number; durationMs: number; maxSockets?: number; shouldStop?: () => boolean },
): Promise<SentRequest[]> {
  const agent = keepAliveAgent(options.maxSockets ?? 4_096);
  const total = Math.floor((options.ratePerSecond * options.durationMs) / 1000);
  const intervalMs = 1000 / options.ratePerSecond;
  const startedMs = performance.now();
  const pending: Promise<SentRequest>[] = [];
  for (let index = 0; index < total && !options.shouldStop?.(); index += 1) {
    const dueMs = startedMs + index * intervalMs;
    const waitMs = dueMs - performance.now();
    if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
    pending.push(send(target, agent));
  }
  const sent = await Promise.all(pending);
  agent.destroy();
  return sent;
}

/** The latency below which a share `q` of the requests was answered (NaN for none). */
export function percentileMs(requests: readonly SentRequest[], q: number): number {
  const sorted = requests.map((request) => request.latencyMs).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Requests per status ("0" for socket errors), for a test's message and its record. */
export function countByStatus(requests: readonly SentRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of requests) counts[request.status] = (counts[request.status] ?? 0) + 1;
  return counts;
}

/**
 * Idle sockets are closed by the client before the server's keep-alive timeout (the gateway's is
 * 5 s): Node's agent ignores the server's `keep-alive: timeout` hint, so a burst of requests could
 * take sockets the server was closing at that moment and fail with "socket hang up".
 */
function keepAliveAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, timeout: IDLE_SOCKET_TIMEOUT_MS });
}

const IDLE_SOCKET_TIMEOUT_MS = 2_000;

function send(target: TrafficTarget, agent: http.Agent): Promise<SentRequest> {
  const url = new URL(target.url);
  const sentAtMs = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status: number, retryAfter: string | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ sentAtMs, latencyMs: performance.now() - sentAtMs, status, retryAfter, error });
    };
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": String(target.body.byteLength),
          ...target.headers,
        },
      },
      (response) => {
        response.on("data", () => undefined);
        response.on("end", () => {
          const retryAfter = response.headers["retry-after"];
          finish(response.statusCode ?? 0, typeof retryAfter === "string" ? retryAfter : null, null);
        });
        response.on("error", (error) => finish(0, null, error.message));
      },
    );
    const timer = setTimeout(() => {
      finish(0, null, `no answer within ${target.clientTimeoutMs} ms`);
      request.destroy();
    }, target.clientTimeoutMs);
    request.on("error", (error) => finish(0, null, error.message));
    request.end(target.body);
  });
}
