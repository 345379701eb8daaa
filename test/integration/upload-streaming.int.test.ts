import { readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "@/server/db";
import { stagingDir } from "@/server/storage/upload-staging";
import { startConsoleServer } from "@/test/support/console-server";
import { readDemoFile } from "@/test/support/demo-files";
import {
  fillerChunks,
  MULTIPART_CONTENT_TYPE,
  multipartBody,
  postChunked,
  trpcData,
  trpcError,
} from "@/test/support/http-upload";
import { callerFor } from "@/test/support/trpc-caller";

const MiB = 1024 * 1024;
// A small limit, so a body several times over it stays quick to send. Set before anything reads
// the environment (a process reads it once); this file has its own module graph.
const ARTIFACT_LIMIT_BYTES = vi.hoisted(() => {
  const limitBytes = 64 * 1024 * 1024;
  process.env.MAX_ARTIFACT_BYTES = String(limitBytes);
  return limitBytes;
});

let server: Awaited<ReturnType<typeof startConsoleServer>>;
let fraudV1: Uint8Array;

beforeAll(async () => {
  server = await startConsoleServer();
  fraudV1 = await readDemoFile("fraud-v1.onnx");
  await callerFor().model.create({ name: "limits" });
});

afterAll(async () => {
  await server.close();
});

const uploadUrl = () => `${server.url}/api/trpc/modelVersion.upload`;

function uploadModel(file: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, modelName = "limits") {
  return postChunked(
    uploadUrl(),
    MULTIPART_CONTENT_TYPE,
    multipartBody({ modelName }, { field: "file", fileName: "model.onnx", chunks: file }),
  );
}

async function stagedFiles(): Promise<string[]> {
  return readdir(stagingDir()).catch(() => []);
}

/** The process's largest resident set size while `run` runs, sampled every few milliseconds. */
async function peakRssDuring<T>(run: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const baselineBytes = process.memoryUsage.rss();
  let peakBytes = baselineBytes;
  const sampler = setInterval(() => (peakBytes = Math.max(peakBytes, process.memoryUsage.rss())), 2);
  try {
    const result = await run();
    return { result, growthBytes: Math.max(peakBytes, process.memoryUsage.rss()) - baselineBytes };
  } finally {
    clearInterval(sampler);
  }
}

describe("request bodies are counted as they stream, whatever the transfer encoding", () => {
  it("takes a chunked upload within the limit, staging the file on disk", async () => {
    const answer = await uploadModel([fraudV1]);
    expect(answer.status).toBe(200);
    expect(trpcData<{ number: number }>(answer)).toMatchObject({ number: 1 });
    expect(await stagedFiles()).toEqual([]);
  });

  it("refuses a chunked upload over the limit before the process grows by the limit", async () => {
    const versionsBefore = await getDb().modelVersion.count();
    const bodyBytes = 5 * ARTIFACT_LIMIT_BYTES;
    const { result: answer, growthBytes } = await peakRssDuring(() => uploadModel(fillerChunks(bodyBytes)));

    expect(answer.status).toBe(413);
    expect(trpcError(answer)).toMatchObject({
      message: expect.stringMatching(
        /^the request body is over the 65 MiB limit for modelVersion\.upload \(refused after 65(\.\d+)? MiB\)$/,
      ),
      data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 },
    });
    // Refused while the client was still sending, not after reading the whole body; the rest
    // of the body is left on a connection that closes, so no later request is read as part of it.
    expect(answer.bytesSent).toBeLessThan(bodyBytes / 2);
    expect(answer.headers.connection).toBe("close");
    expect(growthBytes).toBeLessThan(ARTIFACT_LIMIT_BYTES);
    console.log(
      `chunked ${bodyBytes / MiB} MiB upload over a ${ARTIFACT_LIMIT_BYTES / MiB} MiB limit: ` +
        `refused after ${(answer.bytesSent / MiB).toFixed(1)} MiB sent, RSS grew ${(growthBytes / MiB).toFixed(1)} MiB`,
    );
    expect(await stagedFiles()).toEqual([]);
    expect(await getDb().modelVersion.count()).toBe(versionsBefore);
  });

  it("gives plain JSON calls a small limit of their own", async () => {
    const name = "x".repeat(2 * MiB);
    const answer = await postChunked(`${server.url}/api/trpc/model.create`, "application/json", [
      new TextEncoder().encode(JSON.stringify({ json: { name } })),
    ]);
    expect(answer.status).toBe(413);
    expect(trpcError(answer).message).toMatch(/^the request body is over the 1 MiB limit for model\.create /);
  });

  it("refuses a text part over its own limit inside an upload", async () => {
    const answer = await postChunked(
      uploadUrl(),
      MULTIPART_CONTENT_TYPE,
      multipartBody(
        { modelName: "limits", metadata: JSON.stringify({ description: "y".repeat(2 * MiB) }) },
        { field: "file", fileName: "model.onnx", chunks: [fraudV1] },
      ),
    );
    expect(answer.status).toBe(413);
    expect(trpcError(answer).message).toBe("the 'metadata' part is over the 1 MiB limit for a text part");
    expect(await stagedFiles()).toEqual([]);
  });

  it("refuses a second file part, removing the first one's staging file", async () => {
    const second = multipartBody({}, { field: "extra", fileName: "weights.bin", chunks: [fraudV1] });
    async function* twoFiles() {
      for await (const chunk of multipartBody(
        { modelName: "limits" },
        { field: "file", fileName: "m.onnx", chunks: [fraudV1] },
      )) {
        // Drop the closing boundary of the first body: the second body's parts continue the form.
        if (new TextDecoder().decode(chunk).endsWith("--\r\n")) yield new TextEncoder().encode("\r\n");
        else yield chunk;
      }
      yield* second;
    }
    const answer = await postChunked(uploadUrl(), MULTIPART_CONTENT_TYPE, twoFiles());
    expect(answer.status).toBe(400);
    expect(trpcError(answer).message).toBe("the upload has more than 1 file part");
    expect(await stagedFiles()).toEqual([]);
  });

  it("refuses a body that is not multipart as declared, naming the problem", async () => {
    const answer = await postChunked(uploadUrl(), "multipart/form-data", [new TextEncoder().encode("hello")]);
    expect(answer.status).toBe(400);
    expect(trpcError(answer).message).toMatch(/^the body is not valid multipart\/form-data: /);
  });
});
