import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { answerAppErrors } from "@/server/answer-app-errors";
import { authorize } from "@/server/domain/access/caller";
import { AppError } from "@/server/domain/app-error";
import { isKeylessLocalRequest, isLocalCaller, resolveCaller } from "@/server/services/auth/resolve-caller";
import { isWorkerRequest } from "@/server/services/auth/worker-token";
import { isArtifactOfTeam } from "@/server/storage/artifact-references";
import { artifactPath, storageKeyFor } from "@/server/storage/artifact-store";

/**
 * Serving hosts fetch artifacts by sha256 and verify it; hosts share no disk. Workers (with
 * WORKER_TOKEN) read every team's; an API key reads only its own team's, and another team's reads
 * as missing. The local caller (no credentials, CONSOLE_REQUIRE_AUTH false) may name any team
 * with `x-team` anyway, so it is not held to one.
 */
export async function GET(request: Request, { params }: { params: Promise<{ sha256: string }> }) {
  const { sha256 } = await params;
  if (!/^[0-9a-f]{64}$/.test(sha256))
    return Response.json({ error: "sha256 must be 64 lowercase hex characters" }, { status: 400 });
  return answerAppErrors(async () => {
    if (!isWorkerRequest(request.headers) && !isKeylessLocalRequest(request.headers)) {
      const caller = await resolveCaller(request.headers);
      authorize(caller, "read");
      if (!isLocalCaller(caller) && !(await isArtifactOfTeam(caller.teamId, sha256)))
        throw artifactNotFound(sha256);
    }
    const file = artifactPath(storageKeyFor(sha256));
    const info = await stat(file).catch(() => null);
    if (!info) throw artifactNotFound(sha256);
    return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(info.size),
        "cache-control": "private, max-age=31536000, immutable",
        etag: `"${sha256}"`,
      },
    });
  });
}

const artifactNotFound = (sha256: string) => new AppError("NOT_FOUND", `no artifact with sha256 ${sha256}`);
