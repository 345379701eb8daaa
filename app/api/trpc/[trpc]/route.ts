import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { formatBytes } from "@/server/domain/format";
import { readEnv } from "@/server/env";
import { appRouter } from "@/server/trpc/root";
import { createTRPCContext } from "@/server/trpc/context";

/** Room for multipart boundaries and the metadata parts around the file. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

function handler(request: Request) {
  const tooLarge = rejectOversizedBody(request);
  if (tooLarge) return tooLarge;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    // Unexpected errors are logged with their reference id where they are replaced (server/trpc).
    createContext: () => createTRPCContext({ headers: request.headers }),
  });
}

/**
 * Refuses a body over the upload limits before it is read: parsing multipart buffers the whole
 * body in memory. The answer has tRPC's error shape, so clients show the message as for any error.
 */
function rejectOversizedBody(request: Request): Response | null {
  const declaredBytes = Number(request.headers.get("content-length") ?? 0);
  const { MAX_ARTIFACT_BYTES, MAX_FEATURE_SAMPLE_BYTES } = readEnv();
  const limitBytes = Math.max(MAX_ARTIFACT_BYTES, MAX_FEATURE_SAMPLE_BYTES) + MULTIPART_OVERHEAD_BYTES;
  if (declaredBytes <= limitBytes) return null;
  const path = new URL(request.url).pathname.replace(/^\/api\/trpc\//, "");
  const message = `the request body is ${formatBytes(declaredBytes)}, over the ${formatBytes(limitBytes)} limit`;
  const shape = { message, code: -32413, data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413, path } };
  return Response.json({ error: superjson.serialize(shape) }, { status: 413 });
}

export { handler as GET, handler as POST };
