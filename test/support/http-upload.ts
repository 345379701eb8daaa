import http from "node:http";
import superjson from "superjson";

export interface UploadAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The tRPC answer: `result.data` on success, or the error shape. */
  json: { result?: { data: unknown }; error?: unknown };
  /** Body bytes written before the answer came (the client stops there). */
  bytesSent: number;
}

/**
 * POSTs `body` with chunked transfer encoding (no content-length, as a streaming client sends
 * it), writing with backpressure and stopping as soon as the server answers.
 */
export function postChunked(
  url: string,
  contentType: string,
  body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    let wakeWriter = () => {};
    const request = http.request(url, { method: "POST", headers: { "content-type": contentType } });
    for (const event of ["drain", "close"]) request.on(event, () => wakeWriter());
    request.on("response", (response) => {
      answered = true;
      wakeWriter();
      const bytesAtAnswer = bytesSent;
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        request.destroy();
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          json: JSON.parse(text),
          bytesSent: bytesAtAnswer,
        });
      });
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    void (async () => {
      for await (const chunk of body) {
        if (answered) return;
        bytesSent += chunk.byteLength;
        if (!request.write(chunk)) await new Promise<void>((resolve) => (wakeWriter = resolve));
      }
      if (!answered) request.end();
    })().catch(reject);
  });
}

export const MULTIPART_BOUNDARY = "----mlops-test-boundary";
export const MULTIPART_CONTENT_TYPE = `multipart/form-data; boundary=${MULTIPART_BOUNDARY}`;

/** A multipart body of text parts and one file part whose bytes come from `file`. */
export async function* multipartBody(
  texts: Record<string, string>,
  file: { field: string; fileName: string; chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array> },
): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for (const [name, value] of Object.entries(texts)) {
    yield encoder.encode(
      `--${MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    );
  }
  yield encoder.encode(
    `--${MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.fileName}"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  yield* file.chunks;
  yield encoder.encode(`\r\n--${MULTIPART_BOUNDARY}--\r\n`);
}

/** `totalBytes` of filler in chunks of one reused buffer, so the sender itself stays small. */
export function* fillerChunks(totalBytes: number, chunkBytes = 64 * 1024): Generator<Uint8Array> {
  const chunk = new Uint8Array(chunkBytes).fill(0x61);
  for (let sent = 0; sent < totalBytes; sent += chunkBytes) {
    yield sent + chunkBytes <= totalBytes ? chunk : chunk.subarray(0, totalBytes - sent);
  }
}

/** The error of a tRPC error answer, as a client sees it. */
export function trpcError(answer: UploadAnswer): {
  message: string;
  data: { code: string; httpStatus: number };
} {
  return superjson.deserialize(answer.json.error as Parameters<typeof superjson.deserialize>[0]);
}

/** The data of a tRPC success answer. */
export function trpcData<T>(answer: UploadAnswer): T {
  return superjson.deserialize(answer.json.result!.data as Parameters<typeof superjson.deserialize>[0]);
}
