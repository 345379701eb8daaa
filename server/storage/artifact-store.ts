import { createHash, randomUUID } from "node:crypto";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { readEnv } from "@/server/env";

export interface StoredArtifact {
  sha256: string;
  storageKey: string;
  sizeBytes: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Content-addressed: the same bytes always land at the same key, so hosts can cache by sha256. */
export function storageKeyFor(sha256: string): string {
  return `sha256/${sha256.slice(0, 2)}/${sha256}`;
}

export function artifactPath(storageKey: string): string {
  return path.resolve(readEnv().ARTIFACT_DIR, storageKey);
}

/**
 * Writes to a temporary file beside the target and renames it into place: a crash leaves
 * either no artifact or the whole artifact, never a partial one under its sha256.
 */
export async function putArtifact(bytes: Uint8Array, sha256 = sha256Hex(bytes)): Promise<StoredArtifact> {
  const storageKey = storageKeyFor(sha256);
  const target = artifactPath(storageKey);
  const existing = await stat(target).catch(() => null);
  if (existing?.size !== bytes.byteLength) {
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.partial`;
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, target);
    } finally {
      await rm(temporary, { force: true });
    }
  }
  return { sha256, storageKey, sizeBytes: bytes.byteLength };
}
