import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { AppError } from "@/server/domain/app-error";
import { stageStream, usingStagedFile, type StagedFile } from "@/server/storage/upload-staging";

/**
 * File parts the route handler already streamed to disk (server/trpc/request-body.ts), by the
 * File object it put in the form: a procedure takes the staged file as it is instead of copying it.
 */
const stagedParts = new WeakMap<Blob, StagedFile>();

export function registerStagedPart(part: File, staged: StagedFile): void {
  stagedParts.set(part, staged);
}

/**
 * Runs `use` with the file part of a multipart upload on disk, then removes the file (unless
 * `use` moved it into the artifact store). Over HTTP the part is the file the route handler
 * staged; a form built in process (tests, scripts) has its part streamed to a staging file here.
 */
export async function withFilePart<Result>(
  formData: FormData,
  field: string,
  use: (file: StagedFile) => Promise<Result>,
): Promise<Result> {
  const part = formData.get(field);
  if (!(part instanceof Blob)) throw new AppError("BAD_REQUEST", `the upload has no '${field}' file part`);
  const staged =
    stagedParts.get(part) ?? stageStream(Readable.fromWeb(part.stream() as NodeReadableStream<Uint8Array>));
  return usingStagedFile(staged, use);
}

export function readTextPart(formData: FormData, field: string): string | null {
  const part = formData.get(field);
  return typeof part === "string" ? part : null;
}

/** A JSON-encoded part; undefined when absent or blank, so the caller picks the default. */
export function readJsonPart(formData: FormData, field: string): unknown {
  const text = readTextPart(formData, field);
  if (text === null || text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("BAD_REQUEST", `the '${field}' part is not valid JSON: ${(error as Error).message}`);
  }
}
