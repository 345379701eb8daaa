import http from "node:http";

export interface LoadCell {
  /** Full URL of the infer endpoint. */
  url: string;
  /** The serialized request, sent as is by every client. */
  body: Buffer;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  /** Answers with status 200 that completed inside the measured window. */
  ok: number;
  /** Other statuses or socket errors inside the window (first message kept). */
  errors: number;
  firstError: string | null;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Closed loop: `concurrency` clients, each sends a request, waits for the whole answer and sends
 * the next, over keep-alive connections (one socket per client). Requests that complete during
 * the warm-up are not counted; after the measured window the clients stop and in-flight requests
 * drain without being counted.
 */
export async function runClosedLoop(cell: LoadCell): Promise<LoadResult> {
  const url = new URL(cell.url);
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: cell.concurrency,
    maxFreeSockets: cell.concurrency,
  });
  const options: http.RequestOptions = {
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: "POST",
    agent,
    headers: { "content-type": "application/json", "content-length": String(cell.body.byteLength) },
  };
  const started = performance.now();
  const measureFrom = started + cell.warmupMs;
  const measureTo = measureFrom + cell.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;

  const client = async () => {
    while (performance.now() < measureTo) {
      const sent = performance.now();
      const status = await post(options, cell.body).catch((error: Error) => `${error.message}`);
      const done = performance.now();
      if (done < measureFrom || done > measureTo) continue;
      if (status === 200) latencies.push(done - sent);
      else {
        errors += 1;
        firstError ??= typeof status === "string" ? status : `HTTP ${status}`;
      }
    }
  };
  await Promise.all(Array.from({ length: cell.concurrency }, client));
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length === 0
      ? NaN
      : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return {
    ok: latencies.length,
    errors,
    firstError,
    throughput: latencies.length / (cell.durationMs / 1000),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

/** One POST; resolves with the status once the answer is read to its end. */
function post(options: http.RequestOptions, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(options, (response) => {
      response.on("data", () => undefined);
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(body);
  });
}

/** One POST whose answer is parsed: to check once that a system answers correctly. */
export async function postJson(url: string, body: Buffer): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: "POST",
    body: body.toString("utf8"),
    headers: { "content-type": "application/json" },
  });
  return { status: response.status, json: await response.json() };
}
