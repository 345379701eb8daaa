import { createHash } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { readEnv } from "@/server/env";
import { discardStagedFile, stageBytes, type StagedFile } from "@/server/storage/upload-staging";

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
 * Moves a staged upload into the store under its sha256, or drops it when the store holds
 * those bytes already; `created` says which, so a failed registration knows what it added.
 * The staged file sits in the store's own directory tree, so the move is a rename: a crash
 * leaves either no artifact or the whole artifact, never a partial one under its sha256.
 */
export async function storeStagedArtifact(
  staged: StagedFile,
): Promise<StoredArtifact & { created: boolean }> {
  const storageKey = storageKeyFor(staged.sha256);
  const stored = { sha256: staged.sha256, storageKey, sizeBytes: staged.sizeBytes };
  const target = artifactPath(storageKey);
  const existing = await stat(target).catch(() => null);
  if (existing?.size === staged.sizeBytes) {
    await discardStagedFile(staged);
    return { ...stored, created: false };
  }
  await mkdir(path.dirname(target), { recursive: true });
  await rename(staged.path, target);
  return { ...stored, created: true };
}

/** Bytes held in memory, stored under `sha256` (tests plant artifacts, foreign ones included). */
export async function putArtifact(bytes: Uint8Array, sha256 = sha256Hex(bytes)): Promise<StoredArtifact> {
  const staged = await stageBytes(bytes);
  try {
    const { created: _created, ...stored } = await storeStagedArtifact({ ...staged, sha256 });
    return stored;
  } finally {
    await discardStagedFile(staged);
  }
}

export async function removeArtifact(storageKey: string): Promise<void> {
  await rm(artifactPath(storageKey), { force: true });
}
