import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { GET as getArtifact } from "@/app/api/artifacts/[sha256]/route";
import { GET as getAuditEvents } from "@/app/api/audit-events/route";
import { GET as getPredictions } from "@/app/api/deployments/[name]/predictions/route";
import { GET as getBatchFile } from "@/app/api/batch-jobs/[id]/[file]/route";
import { GET as getAuth, POST as postAuth } from "@/app/api/auth/[...all]/route";
import { GET as getHealth } from "@/app/api/health/route";
import { GET as getTrpc, POST as postTrpc } from "@/app/api/trpc/[trpc]/route";

/**
 * The console's tRPC, sign-in, download and health route handlers behind a bare node:http server
 * on a free port (or `port`). Requests reach the handlers as Next.js builds them for route
 * handlers: the incoming message itself is the body (a stream, whatever the transfer encoding),
 * nothing buffered in between, and `x-forwarded-for` is the connection's address unless the
 * client sent one.
 */
export async function startConsoleServer({ port = 0 }: { port?: number } = {}): Promise<{
  url: string;
  close: () => Promise<void>;
}> {
  const server = http.createServer(async (incoming, outgoing) => {
    const url = new URL(incoming.url ?? "/", `http://${incoming.headers.host ?? "console.test"}`);
    const route = routeFor(url.pathname, incoming.method ?? "GET");
    if (!route) return void outgoing.writeHead(404).end();
    const hasBody = incoming.method !== "GET" && incoming.method !== "HEAD";
    const headers = new Headers(
      Object.entries(incoming.headers).flatMap(([name, value]) =>
        value === undefined
          ? []
          : [[name, Array.isArray(value) ? value.join(", ") : value] as [string, string]],
      ),
    );
    if (!headers.has("x-forwarded-for") && incoming.socket.remoteAddress)
      headers.set("x-forwarded-for", incoming.socket.remoteAddress);
    const request = new Request(url, {
      method: incoming.method,
      headers,
      ...(hasBody ? { body: incoming as unknown as BodyInit, duplex: "half" } : {}),
    } as RequestInit);
    const answer = await route(request);
    // Several Set-Cookie headers must stay several: joined into one, browsers read one cookie.
    const { "set-cookie": _joined, ...single } = Object.fromEntries(answer.headers);
    const cookies = answer.headers.getSetCookie();
    outgoing.writeHead(answer.status, cookies.length ? { ...single, "set-cookie": cookies } : single);
    if (answer.body) Readable.fromWeb(answer.body as NodeReadableStream).pipe(outgoing);
    else outgoing.end();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function routeFor(pathname: string, method: string): ((request: Request) => Promise<Response>) | null {
  if (pathname.startsWith("/api/trpc/")) return method === "GET" ? getTrpc : postTrpc;
  if (pathname.startsWith("/api/auth/")) return method === "GET" ? getAuth : postAuth;
  if (method !== "GET") return null;
  if (pathname === "/api/health") return () => getHealth();
  if (pathname === "/api/audit-events") return getAuditEvents;
  const artifact = /^\/api\/artifacts\/([^/]+)$/.exec(pathname);
  if (artifact)
    return (request) => getArtifact(request, { params: Promise.resolve({ sha256: artifact[1]! }) });
  const predictions = /^\/api\/deployments\/([^/]+)\/predictions$/.exec(pathname);
  if (predictions)
    return (request) =>
      getPredictions(request, { params: Promise.resolve({ name: decodeURIComponent(predictions[1]!) }) });
  const batchFile = /^\/api\/batch-jobs\/([^/]+)\/([^/]+)$/.exec(pathname);
  if (batchFile)
    return (request) =>
      getBatchFile(request, { params: Promise.resolve({ id: batchFile[1]!, file: batchFile[2]! }) });
  return null;
}
