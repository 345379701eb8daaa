import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface HashedFile {
  sha256: string;
  sizeBytes: number;
}

/**
 * Streams `source` into `filePath`, hashing and counting the bytes on the way, so a file of any
 * size costs a chunk of memory at a time. On failure the caller removes the partial file.
 */
export async function writeHashedFile(
  source: Readable | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  filePath: string,
  options: { flags?: string } = {},
): Promise<HashedFile> {
  const hash = createHash("sha256");
  let sizeBytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      sizeBytes += chunk.byteLength;
      done(null, chunk);
    },
  });
  // Opened before any byte flows: a write stream opens its file later, so a source that fails at
  // once could leave the file created after the caller's cleanup had already run.
  const handle = await open(filePath, options.flags ?? "w");
  await pipeline(source, count, handle.createWriteStream());
  return { sha256: hash.digest("hex"), sizeBytes };
}
