import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { writeHashedFile } from "@/server/storage/write-hashed-file";

/**
 * Artifacts fetched by sha256 from the web app (`GET /api/artifacts/<sha256>`) and kept on the
 * host at `<cacheDir>/<sha256>.onnx`: hosts share no disk. A download streams to a temporary file
 * while it is hashed, and only bytes whose sha256 matches are renamed into place, so the cache
 * never holds a partial or foreign file under a sha256.
 */
export class ArtifactUnavailableError extends Error {
  constructor(
    message: string,
    /** False when trying again cannot help (wrong bytes, unknown artifact). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "ArtifactUnavailableError";
  }
}

export interface ArtifactCacheOptions {
  cacheDir: string;
  /** Base URL of the web app, e.g. http://web:3000. */
  sourceUrl: string;
  /** Sent as a bearer token (WORKER_TOKEN): the console may require it to serve other teams' artifacts. */
  token?: string;
}

export class ArtifactCache {
  private readonly downloads = new Map<string, Promise<string>>();
  readonly cacheDir: string;

  constructor(private readonly options: ArtifactCacheOptions) {
    this.cacheDir = path.resolve(options.cacheDir);
  }

  /** Local path of the artifact, downloading it first when it is not cached. Concurrent calls share one download. */
  pathFor(sha256: string): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(sha256))
      return Promise.reject(
        new ArtifactUnavailableError(`'${sha256}' is not a sha256 (64 lowercase hex characters)`, false),
      );
    let download = this.downloads.get(sha256);
    if (!download) {
      download = this.resolve(sha256).finally(() => this.downloads.delete(sha256));
      this.downloads.set(sha256, download);
    }
    return download;
  }

  private async resolve(sha256: string): Promise<string> {
    const target = path.join(this.cacheDir, `${sha256}.onnx`);
    const cached = await stat(target).catch(() => null);
    if (cached?.isFile() && cached.size > 0) return target;
    await mkdir(this.cacheDir, { recursive: true });
    const url = `${this.options.sourceUrl.replace(/\/+$/, "")}/api/artifacts/${sha256}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: this.options.token ? { authorization: `Bearer ${this.options.token}` } : {},
      });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new ArtifactUnavailableError(`cannot fetch artifact ${sha256} from ${url}: ${cause}`, true);
    }
    if (!response.ok || !response.body) {
      const detail = await response.text().catch(() => "");
      throw new ArtifactUnavailableError(
        `artifact ${sha256} is not available from ${url}: HTTP ${response.status}${detail ? ` ${detail.slice(0, 200)}` : ""}`,
        response.status >= 500,
      );
    }
    const temporary = `${target}.${randomUUID()}.partial`;
    try {
      const { sha256: actual, sizeBytes: bytes } = await writeHashedFile(
        Readable.fromWeb(response.body as NodeReadableStream),
        temporary,
      );
      if (actual !== sha256) {
        throw new ArtifactUnavailableError(
          `artifact ${sha256} from ${url} does not match its sha256: the ${bytes} bytes received hash to ${actual}; discarded`,
          false,
        );
      }
      if (bytes === 0) throw new ArtifactUnavailableError(`artifact ${sha256} from ${url} is empty`, false);
      await rename(temporary, target);
      return target;
    } catch (error) {
      if (error instanceof ArtifactUnavailableError) throw error;
      throw new ArtifactUnavailableError(
        `download of artifact ${sha256} from ${url} failed: ${(error as Error).message}`,
        true,
      );
    } finally {
      await rm(temporary, { force: true });
    }
  }
}
