import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import superjson from "superjson";
import { refuseCrossSiteChange } from "@/server/auth/refuse-cross-site-change";
import { formatBytes } from "@/server/domain/format";
import { readEnv, type Env } from "@/server/env";
import { answeredLogLevel, getLogger } from "@/server/logger";
import { REQUEST_ID_HEADER, requestIdFrom } from "@/server/request-id";
import { BoundedRequest } from "@/server/trpc/request-body";
import { appRouter } from "@/server/trpc/root";
import { createTRPCContext } from "@/server/trpc/context";

const MiB = 1024 * 1024;
/** Room for multipart boundaries and the text parts around the file. */
const MULTIPART_OVERHEAD_BYTES = 1 * MiB;
/** Every other call is a small JSON document (names, settings, feature lists). */
const JSON_BODY_LIMIT_BYTES = 1 * MiB;

/** The upload procedures and the file each carries; any other body gets the JSON limit. */
const UPLOAD_LIMITS: Record<string, (env: Env) => number> = {
  "modelVersion.upload": (env) => env.MAX_ARTIFACT_BYTES,
  "featureSet.createVersion": (env) => env.MAX_FEATURE_SAMPLE_BYTES,
  "goldenSet.upload": (env) => env.MAX_FEATURE_SAMPLE_BYTES,
};

async function handler(request: Request) {
  const startedMs = performance.now();
  const requestId = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
  const procedurePath = new URL(request.url).pathname.replace(/^\/api\/trpc\//, "");
  const response = await answer(request, procedurePath, requestId);
  response.headers.set(REQUEST_ID_HEADER, requestId);
  // One line per call, at a level that follows the status (as the gateway does).
  const level = answeredLogLevel(response.status);
  if (!getLogger().isLevelEnabled(level)) return response;
  getLogger()[level](
    {
      component: "trpc",
      requestId,
      method: request.method,
      procedurePath,
      statusCode: response.status,
      responseTimeMs: Math.round((performance.now() - startedMs) * 10) / 10,
    },
    "request answered",
  );
  return response;
}

async function answer(request: Request, procedurePath: string, requestId: string): Promise<Response> {
  const crossSite = refuseCrossSiteChange(request, (message) => {
    const refused = trpcError(message, 403, "FORBIDDEN", procedurePath);
    // Its body is unread, and may be a large upload: close rather than read it to reuse the socket.
    refused.headers.set("connection", "close");
    return refused;
  });
  if (crossSite) return crossSite;
  const limitBytes = bodyLimitBytes(procedurePath, request.headers.get("content-type"));
  const tooLarge = refuseDeclaredOversize(request, procedurePath, limitBytes);
  if (tooLarge) return tooLarge;
  const bounded = new BoundedRequest(request, { bytes: limitBytes, procedurePath });
  try {
    const response = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req: bounded,
      router: appRouter,
      // Unexpected errors are logged with their reference id where they are replaced (server/trpc).
      createContext: () => createTRPCContext({ headers: request.headers, requestId }),
    });
    if (bounded.leftBodyPartlyRead) response.headers.set("connection", "close");
    return response;
  } finally {
    await bounded.discardStagedFiles();
  }
}

/** Multipart bodies of the upload procedures may carry their file; everything else is small JSON. */
function bodyLimitBytes(procedurePath: string, contentType: string | null): number {
  const uploadLimit = UPLOAD_LIMITS[procedurePath];
  if (!uploadLimit || !contentType?.startsWith("multipart/form-data")) return JSON_BODY_LIMIT_BYTES;
  return uploadLimit(readEnv()) + MULTIPART_OVERHEAD_BYTES;
}

/**
 * Refuses a body whose declared length is over the limit before reading any of it. Bodies
 * without a length (chunked) are counted as they stream (BoundedRequest).
 */
function refuseDeclaredOversize(
  request: Request,
  procedurePath: string,
  limitBytes: number,
): Response | null {
  const declaredBytes = Number(request.headers.get("content-length") ?? 0);
  if (declaredBytes <= limitBytes) return null;
  const message = `the request body is ${formatBytes(declaredBytes)}, over the ${formatBytes(limitBytes)} limit`;
  const response = trpcError(message, 413, "PAYLOAD_TOO_LARGE", procedurePath);
  // The unread body is still on the connection: close it rather than read hundreds of MB to reuse it.
  response.headers.set("connection", "close");
  return response;
}

/** An answer in tRPC's error shape, so clients show the message as for any error. */
function trpcError(message: string, httpStatus: number, code: TRPC_ERROR_CODE_KEY, path: string): Response {
  const shape = { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus, path } };
  return Response.json({ error: superjson.serialize(shape) }, { status: httpStatus });
}

export { handler as GET, handler as POST };
