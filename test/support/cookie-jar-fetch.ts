/**
 * fetch as a browser uses it across sites: cookies kept per host (name and value; attributes are
 * the servers' business), redirects followed by hand so each hop's cookies are kept. Enough to
 * walk a sign-in through an OpenID provider and back.
 */
export function createCookieJarFetch() {
  const jars = new Map<string, Map<string, string>>();
  const jarOf = (url: URL) => {
    let jar = jars.get(url.host);
    if (!jar) jars.set(url.host, (jar = new Map()));
    return jar;
  };

  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = [...jarOf(target)].map(([name, value]) => `${name}=${value}`).join("; ");
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(target, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const separator = pair.indexOf("=");
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === "";
      if (expired) jarOf(target).delete(name);
      else jarOf(target).set(name, value);
    }
    return response;
  }

  /** Follows redirects from `url` (GET) until an answer that is not one; returns it and the URLs passed. */
  async function follow(
    url: string,
    init: RequestInit = {},
  ): Promise<{ response: Response; visited: string[] }> {
    const visited = [url];
    let response = await request(url, init);
    while (response.status >= 300 && response.status < 400 && response.headers.has("location")) {
      const next = new URL(response.headers.get("location")!, visited.at(-1)).toString();
      visited.push(next);
      response = await request(next);
    }
    return { response, visited };
  }

  return { request, follow, cookiesOf: (url: string) => new Map(jarOf(new URL(url))) };
}
