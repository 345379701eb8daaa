import { readSignInSettings } from "@/server/auth/sign-in-settings";
import { crossSiteProblem } from "@/server/domain/access/cross-site-request";
import { getLogger } from "@/server/logger";

/**
 * For route handlers that change things: the 403 answer (made by `answer`, in the route's own
 * error shape) for a cookie-carrying change from another site, or null to go on. Decided from the
 * headers alone, before any of the body is read.
 */
export function refuseCrossSiteChange(
  request: Request,
  answer: (message: string) => Response,
): Response | null {
  const { headers } = request;
  const problem = crossSiteProblem(
    {
      method: request.method,
      origin: headers.get("origin"),
      fetchSite: headers.get("sec-fetch-site"),
      host: headers.get("host"),
      hasCookie: Boolean(headers.get("cookie")),
    },
    readSignInSettings().consoleOrigin,
  );
  if (problem === null) return null;
  getLogger().warn(
    { component: "csrf", origin: headers.get("origin"), path: new URL(request.url).pathname },
    "cross-site change refused",
  );
  return answer(problem);
}
