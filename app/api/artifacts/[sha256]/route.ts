import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { artifactPath, storageKeyFor } from "@/server/storage/artifact-store";

/** Serving hosts fetch artifacts by sha256 and verify it; hosts share no disk. */
export async function GET(_request: Request, { params }: { params: Promise<{ sha256: string }> }) {
  const { sha256 } = await params;
  if (!/^[0-9a-f]{64}$/.test(sha256))
    return Response.json({ error: "sha256 must be 64 lowercase hex characters" }, { status: 400 });
  const file = artifactPath(storageKeyFor(sha256));
  const info = await stat(file).catch(() => null);
  if (!info) return Response.json({ error: `no artifact with sha256 ${sha256}` }, { status: 404 });
  return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(info.size),
      "cache-control": "private, max-age=31536000, immutable",
      etag: `"${sha256}"`,
    },
  });
}
