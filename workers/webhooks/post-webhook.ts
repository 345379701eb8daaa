import type { AttemptOutcome } from "@/server/domain/webhooks/attempt-outcome";

/** Characters of a receiver's answer kept for the deliveries table; the rest is never read. */
export const RESPONSE_EXCERPT_CHARS = 500;
const USER_AGENT = "mlops-console-webhooks/1";

export interface PostedAttempt {
  outcome: AttemptOutcome;
  /** The start of the answer's body, when there was an answer with one. */
  excerpt: string | null;
  durationMs: number;
}

/**
 * One POST of a signed body. Redirects are not followed (a 3xx is the answer), the whole
 * attempt (connect, headers, the excerpt of the body) is bounded by `timeoutMs`, and only the
 * first characters of the body are read before the connection is dropped.
 */
export async function postWebhook({
  url,
  body,
  headers,
  timeoutMs,
}: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}): Promise<PostedAttempt> {
  const startedMs = performance.now();
  const elapsed = () => Math.round(performance.now() - startedMs);
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...headers },
      redirect: "manual",
      signal,
    });
  } catch (error) {
    return { outcome: failureOf(error, timeoutMs), excerpt: null, durationMs: elapsed() };
  }
  const excerpt = await readExcerpt(response);
  return {
    outcome: { kind: "answered", status: response.status, location: response.headers.get("location") },
    excerpt,
    durationMs: elapsed(),
  };
}

async function readExcerpt(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < RESPONSE_EXCERPT_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The answer's status is what counts; a body cut off (or timed out) keeps what arrived.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.length === 0 ? null : text.slice(0, RESPONSE_EXCERPT_CHARS);
}

function failureOf(error: unknown, timeoutMs: number): AttemptOutcome {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return { kind: "timeout", timeoutMs };
  // fetch rejects with "fetch failed" and the socket's error as its cause.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return {
    kind: "network",
    code: typeof code === "string" ? code : null,
    detail: cause instanceof Error ? cause.message : String(cause),
  };
}
