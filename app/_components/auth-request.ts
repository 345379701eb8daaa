/**
 * Calls one of better-auth's endpoints (/api/auth/...) from the sign-in pages, as plain fetch: the
 * pages need four calls, not its client library. A refusal comes back as an Error whose message
 * is a sentence to show as is.
 */
export async function postAuth<T = unknown>(path: string, body: unknown = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error("The console could not be reached. Check your connection and try again.");
  }
  const answer = (await response.json().catch(() => null)) as { message?: unknown } | null;
  if (!response.ok) throw new Error(asSentence(answer?.message, response.status));
  return answer as T;
}

/** better-auth's messages ("Invalid email or password") as sentences; a fallback without one. */
function asSentence(message: unknown, status: number): string {
  const text = typeof message === "string" ? message.trim() : "";
  if (!text) return `The console answered ${status} without saying why. Try again in a moment.`;
  const capitalized = text[0]!.toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalized) ? capitalized : `${capitalized}.`;
}

/** After signing in, up or out: a full load, so every page and the side nav read the new session. */
export function reloadAt(path: string): void {
  window.location.assign(path);
}
