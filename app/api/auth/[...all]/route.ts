import { toNextJsHandler } from "better-auth/next-js";
import { getAuth } from "@/server/auth/auth";

/**
 * better-auth's endpoints (sign-up, sign-in, sign-out, session, the OpenID Connect redirect and
 * callback). It checks the origin of cookie-carrying changes itself, exempting what must come from
 * elsewhere (the provider's callback). Rate-limit refusals get a sentence saying when to retry.
 */
async function handler(request: Request): Promise<Response> {
  const response = await toNextJsHandler(getAuth()).POST(request);
  if (response.status !== 429) return response;
  const retryAfterSeconds = Number(response.headers.get("x-retry-after")) || 60;
  return Response.json(
    {
      code: "TOO_MANY_REQUESTS",
      message: `Too many attempts from this address. Try again in ${retryAfterSeconds} seconds.`,
    },
    { status: 429, headers: { "retry-after": String(retryAfterSeconds) } },
  );
}

export { handler as GET, handler as POST };
