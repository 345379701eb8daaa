import { openAsBlob } from "node:fs";
import { Busboy, type BusboyFileStream } from "@fastify/busboy";
import { AppError } from "@/server/domain/app-error";
import { formatBytes } from "@/server/domain/format";
import { registerStagedPart } from "@/server/trpc/form-data";
import { discardStagedFile, stageStream, type StagedFile } from "@/server/storage/upload-staging";

const MiB = 1024 * 1024;
/** A text part (a name, JSON metadata, a feature list) is kept in memory: it gets a small limit of its own. */
const MAX_TEXT_PART_BYTES = 1 * MiB;
const MAX_TEXT_PARTS = 16;
/** Uploads carry one file today; a model with its external data beside it would raise this. */
const MAX_FILE_PARTS = 1;

/**
 * The request tRPC's fetch adapter reads, with the body counted as it streams, whatever the
 * transfer encoding: the moment it passes `limitBytes`, reading stops and the procedure fails
 * with PAYLOAD_TOO_LARGE (413 in tRPC's error shape). tRPC reads bodies only through json() and
 * formData(): JSON is collected up to the limit; multipart is parsed as it streams, each file
 * part going straight to a staging file, so no body is ever held whole in memory.
 * The staged files are removed by discardStagedFiles() once the response is made.
 */
export class BoundedRequest extends Request {
  private readonly stagedFiles: StagedFile[] = [];
  private bodyState: "unread" | "reading" | "read" = "unread";

  constructor(
    private readonly original: Request,
    private readonly limit: { bytes: number; procedurePath: string },
  ) {
    super(original.url, { method: original.method, headers: original.headers, signal: original.signal });
  }

  override async json(): Promise<unknown> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.countedBody()) chunks.push(chunk);
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  }

  override async formData(): Promise<FormData> {
    const form = new FormData();
    await parseMultipart(this.countedBody(), this.headers.get("content-type") ?? "", {
      onField: (name, value) => form.append(name, value),
      onFile: async (name, fileName, staged) => {
        // openAsBlob reads nothing now: the part stays on disk until someone streams it.
        const part = new File([await openAsBlob(staged.path)], fileName);
        registerStagedPart(part, staged);
        form.append(name, part);
      },
      stagedFiles: this.stagedFiles,
    });
    return form;
  }

  async discardStagedFiles(): Promise<void> {
    await Promise.all(this.stagedFiles.splice(0).map(discardStagedFile));
  }

  /**
   * True when reading stopped partway (a refusal, a bad part): the rest of the body is still on
   * the connection, so it must close after the answer or a keep-alive client's next request
   * would be read as this one's body. An unread body Node discards by itself.
   */
  get leftBodyPartlyRead(): boolean {
    return this.bodyState === "reading";
  }

  /**
   * The body's chunks, refused past the limit. On refusal the stream is left unread rather than
   * cancelled: cancelling would destroy the socket before the 413 reaches the client.
   */
  private async *countedBody(): AsyncGenerator<Uint8Array> {
    if (!this.original.body) return;
    const reader = this.original.body.getReader();
    this.bodyState = "reading";
    let receivedBytes = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          this.bodyState = "read";
          return;
        }
        receivedBytes += value.byteLength;
        if (receivedBytes > this.limit.bytes) throw bodyTooLarge(this.limit, receivedBytes);
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
}

function bodyTooLarge(limit: { bytes: number; procedurePath: string }, receivedBytes: number): AppError {
  return new AppError(
    "PAYLOAD_TOO_LARGE",
    `the request body is over the ${formatBytes(limit.bytes)} limit for ${limit.procedurePath} ` +
      `(refused after ${formatBytes(receivedBytes)})`,
  );
}

interface MultipartHandlers {
  onField: (name: string, value: string) => void;
  onFile: (name: string, fileName: string, staged: StagedFile) => Promise<void>;
  /** Where staged files are recorded as soon as they exist: a failure here removes them, else the caller does. */
  stagedFiles: StagedFile[];
}

/**
 * Feeds the body to busboy with backpressure. Any failure (the body limit, a bad part, a
 * client that went away) destroys the file streams in flight, waits for their staging to
 * settle and removes every staged file before it rethrows.
 */
async function parseMultipart(
  body: AsyncIterable<Uint8Array>,
  contentType: string,
  handlers: MultipartHandlers,
): Promise<void> {
  let parser: ReturnType<typeof Busboy>;
  try {
    parser = Busboy({
      headers: { "content-type": contentType },
      limits: {
        fieldSize: MAX_TEXT_PART_BYTES,
        fields: MAX_TEXT_PARTS,
        files: MAX_FILE_PARTS,
        parts: MAX_TEXT_PARTS + MAX_FILE_PARTS,
      },
    });
  } catch (error) {
    throw new AppError(
      "BAD_REQUEST",
      `the body is not valid multipart/form-data: ${(error as Error).message}`,
    );
  }
  const openFileStreams = new Set<BusboyFileStream>();
  // An object, so the checks below see what the event handlers set.
  const state: { failure: Error | null } = { failure: null };
  let wakeFeeder = () => {};
  const fail = (error: Error) => {
    state.failure ??= error;
    for (const stream of openFileStreams) if (!stream.readableEnded) stream.destroy(state.failure);
    // Once a file stream is destroyed busboy never drains: the feeder must not wait for it.
    wakeFeeder();
  };
  const staging: Promise<void>[] = [];
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on("finish", resolve);
    parser.on("error", (error) =>
      reject(
        new AppError("BAD_REQUEST", `the body is not valid multipart/form-data: ${(error as Error).message}`),
      ),
    );
  });
  parsed.catch(() => undefined);

  parser.on("field", (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated)
      fail(
        new AppError(
          "PAYLOAD_TOO_LARGE",
          `the '${name}' part is over the ${formatBytes(MAX_TEXT_PART_BYTES)} limit for a text part`,
        ),
      );
    else handlers.onField(name, value);
  });
  parser.on("file", (name, stream, fileName) => {
    // Its staging reports its errors; this keeps a late destroy from surfacing as an unhandled one.
    stream.on("error", () => undefined);
    openFileStreams.add(stream);
    if (state.failure) stream.destroy(state.failure);
    staging.push(
      stageStream(stream)
        .then(async (staged) => {
          handlers.stagedFiles.push(staged);
          await handlers.onFile(name, fileName, staged);
        })
        .catch((error: Error) => fail(error))
        .finally(() => openFileStreams.delete(stream)),
    );
  });
  const tooMany = (what: string, limit: number) => () =>
    fail(new AppError("BAD_REQUEST", `the upload has more than ${limit} ${what}`));
  parser.on("fieldsLimit", tooMany("text parts", MAX_TEXT_PARTS));
  parser.on("partsLimit", tooMany("parts", MAX_TEXT_PARTS + MAX_FILE_PARTS));
  parser.on("filesLimit", tooMany(MAX_FILE_PARTS === 1 ? "file part" : "file parts", MAX_FILE_PARTS));

  try {
    for await (const chunk of body) {
      if (state.failure) break;
      // Events run inside write(): a failure may be set by the time it returns.
      if (parser.write(chunk) || state.failure) continue;
      const drained = new Promise<void>((resolve) => {
        wakeFeeder = resolve;
        parser.once("drain", resolve);
      });
      await Promise.race([drained, parsed]);
      parser.off("drain", wakeFeeder);
    }
    if (!state.failure) {
      parser.end();
      await parsed;
    }
  } catch (error) {
    fail(error as Error);
  }
  await Promise.all(staging);
  if (state.failure) {
    parser.destroy();
    await Promise.all(handlers.stagedFiles.splice(0).map(discardStagedFile));
    throw state.failure;
  }
}
