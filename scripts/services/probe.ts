import { Redis } from "ioredis";
import pg from "pg";

/**
 * What a service at a URL does when asked: answers, stays silent (nothing listens, or the host
 * does not resolve: a server may be started there), or answers with a refusal (wrong password,
 * not PostgreSQL, ...: only the person who configured it can fix that).
 */
export type ProbeResult = { state: "ready" } | { state: "silent" | "refusing"; reason: string };

const NETWORK_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

function classify(error: unknown): ProbeResult {
  const { code, message } = error as { code?: string; message?: string };
  const reason = message || String(error);
  const silent = (code !== undefined && NETWORK_ERRORS.has(code)) || /timeout|timed out/i.test(reason);
  return { state: silent ? "silent" : "refusing", reason };
}

export async function probePostgres(url: string, timeoutMs = 3_000): Promise<ProbeResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {}); // a dropped connection after connect() is reported by connect() or end()
  try {
    await client.connect();
    return { state: "ready" };
  } catch (error) {
    // The server answers; the database is created by the migrate step.
    if ((error as { code?: string }).code === "3D000") return { state: "ready" };
    return classify(error);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function probeRedis(url: string, timeoutMs = 3_000): Promise<ProbeResult> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // connect() rejects with a bare "Connection is closed."; the socket's own error says why.
  let socketError: unknown;
  redis.on("error", (error) => (socketError ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return { state: "ready" };
  } catch (error) {
    return classify(socketError ?? error);
  } finally {
    redis.disconnect();
  }
}
