import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { readEnv } from "@/server/env";
import { writeHashedFile } from "@/server/storage/write-hashed-file";

/** An uploaded file on local disk, counted and hashed while it streamed in. */
export interface StagedFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Beside the artifact store, so that storing a staged artifact is a rename within one
 * filesystem: atomic, and no second copy of the bytes.
 */
export function stagingDir(): string {
  return path.resolve(readEnv().ARTIFACT_DIR, ".staging");
}

/**
 * Streams `source` into a new file in the staging directory, hashing and counting the bytes on
 * the way, so an upload of any size costs a chunk of memory at a time. A failed stream leaves
 * no file behind. The caller removes the file with discardStagedFile once done with it.
 */
export async function stageStream(
  source: Readable | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<StagedFile> {
  const directory = stagingDir();
  await mkdir(directory, { recursive: true });
  const target = path.join(directory, `${randomUUID()}.upload`);
  try {
    return { path: target, ...(await writeHashedFile(source, target, { flags: "wx" })) };
  } catch (error) {
    await rm(target, { force: true });
    throw error;
  }
}

/** For callers that hold the bytes already (the demo seed, the benchmark). */
export function stageBytes(bytes: Uint8Array): Promise<StagedFile> {
  return stageStream([bytes]);
}

/** Idempotent: a file already moved into the artifact store or removed is no error. */
export async function discardStagedFile(file: StagedFile): Promise<void> {
  await rm(file.path, { force: true });
}

/** Runs `use` with the staged file, then removes the file unless `use` moved it into the artifact store. */
export async function usingStagedFile<Result>(
  staging: StagedFile | Promise<StagedFile>,
  use: (file: StagedFile) => Promise<Result>,
): Promise<Result> {
  const file = await staging;
  try {
    return await use(file);
  } finally {
    await discardStagedFile(file);
  }
}
