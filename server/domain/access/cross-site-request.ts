/**
 * CSRF protection for routes that change things. A browser attaches the console's session cookie
 * to a request any page makes to it, so a change that carries a cookie must come from the
 * console's own pages. Browsers name where a request comes from in `Origin` (every POST) and
 * `Sec-Fetch-Site`, and a page cannot forge either. A request without a cookie has no ambient
 * authority to abuse (CI and the CLI send a bearer API key), so it is not checked.
 */

export interface RequestOriginFacts {
  method: string;
  /** `Origin`, or null when absent. */
  origin: string | null;
  /** `Sec-Fetch-Site`, or null when absent. */
  fetchSite: string | null;
  /** `Host`: the console is reached under this name, so a page served from it is its own. */
  host: string | null;
  hasCookie: boolean;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Why the request is refused as cross-site, as a sentence; null when it may proceed.
 * `consoleOrigin` is the console's public origin (BETTER_AUTH_URL's), e.g. "https://ml.example.com".
 */
export function crossSiteProblem(request: RequestOriginFacts, consoleOrigin: string): string | null {
  if (SAFE_METHODS.has(request.method.toUpperCase()) || !request.hasCookie) return null;
  const refusal = (from: string) =>
    `this change came from ${from}, not from the console's own pages, and was refused to protect your session; ` +
    "make it from the console, or without cookies using an API key";
  if (request.origin !== null) {
    if (isConsoleOrigin(request.origin, consoleOrigin, request.host)) return null;
    return refusal(
      request.origin === "null" ? "a page with a hidden origin" : `another site (${request.origin})`,
    );
  }
  // No Origin (older browsers, some redirects): the fetch metadata still says where it came from.
  if (request.fetchSite === "cross-site" || request.fetchSite === "same-site") return refusal("another site");
  return null;
}

/** Whether `origin` is the console's own: its public origin, or the host the request was sent to. */
export function isConsoleOrigin(origin: string, consoleOrigin: string, host: string | null): boolean {
  const parsed = parseOrigin(origin);
  if (!parsed) return false;
  if (parsed.origin === parseOrigin(consoleOrigin)?.origin) return true;
  // The console answers under whatever name it is reached by (127.0.0.1 or localhost, say), and a
  // cross-site page cannot choose the Host a browser sends with its request.
  return host !== null && parsed.host === host.trim().toLowerCase();
}

function parseOrigin(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}
