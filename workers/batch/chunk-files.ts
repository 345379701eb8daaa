import { randomUUID } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { once } from "node:events";
import path from "node:path";
import { finished } from "node:stream/promises";

/**
 * A file written under a temporary name and renamed into place when complete: a reader (or a
 * retry after a crash) sees the whole file or none, never part of one. Writes wait for drain past
 * WRITE_BUFFER_BYTES, so a slow disk holds the producer back instead of filling memory.
 */
/**
 * Bytes queued before a write waits: a batch's output is tens of kB, past the stream's default
 * 16 kB, and waiting for each one's disk write stalled the chunk's pipeline behind it.
 */
const WRITE_BUFFER_BYTES = 1 << 20;

export class AtomicFile {
  private readonly temporary: string;
  private readonly stream: WriteStream;

  private constructor(private readonly target: string) {
    this.temporary = `${target}.${randomUUID()}.partial`;
    this.stream = createWriteStream(this.temporary, { highWaterMark: WRITE_BUFFER_BYTES });
  }

  static async open(target: string): Promise<AtomicFile> {
    await mkdir(path.dirname(target), { recursive: true });
    return new AtomicFile(target);
  }

  async write(text: string | Uint8Array): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, "drain");
  }

  async commit(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
    await rename(this.temporary, this.target);
  }

  async discard(): Promise<void> {
    this.stream.destroy();
    await rm(this.temporary, { force: true });
  }
}
