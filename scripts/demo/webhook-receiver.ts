import http from "node:http";
import type { AddressInfo } from "node:net";

/** One POST as the receiver read it: the body as sent, byte for byte, since signatures cover it. */
export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers a POST; the default accepts it with 204. */
export type RespondToWebhook = (received: ReceivedWebhook, response: http.ServerResponse) => void;

/** Bodies over this are cut off with 413: a receiver on a laptop must not buffer without bound. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * An HTTP server that keeps every POST it gets, as a team's webhook endpoint would receive
 * them: the demo's local alert receiver, and the tests' receivers (which pass `respond` to fail,
 * hang or redirect on some paths). GET answers the received list as JSON, newest last.
 */
export async function startWebhookReceiver({
  port = 0,
  host = "127.0.0.1",
  respond = (_received, response) => void response.writeHead(204).end(),
  onReceived,
}: {
  port?: number;
  host?: string;
  respond?: RespondToWebhook;
  onReceived?: (received: ReceivedWebhook) => void;
} = {}) {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((request, response) => {
    if (request.method === "GET") {
      response.writeHead(200, { "content-type": "application/json" });
      return void response.end(JSON.stringify(received));
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BODY_BYTES) {
        response.writeHead(413, { connection: "close" }).end("body over 1 MiB");
        return void request.destroy();
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      const entry = {
        path: request.url ?? "/",
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(entry);
      onReceived?.(entry);
      respond(entry, response);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url: (path: string) => `${origin}${path}`,
    received,
    at: (path: string) => received.filter((entry) => entry.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
