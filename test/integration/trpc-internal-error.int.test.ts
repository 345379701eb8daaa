import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { afterAll, describe, expect, it } from "vitest";
import { GET, POST } from "@/app/api/trpc/[trpc]/route";
import type { AppRouter } from "@/server/trpc/root";
import { dropDatabase, uniqueName } from "@/test/support/databases";

// Set before the first log line: the logger opens its destination once per process.
const logFile = path.join(os.tmpdir(), `${uniqueName("trpc-internal-error")}.log`);
process.env.LOG_FILE = logFile;
afterAll(() => rm(logFile, { force: true }));

const fetchThroughRoute: typeof fetch = async (input, init) =>
  (init?.method === "POST" ? POST : GET)(new Request(input as string, init));
const client = createTRPCClient<AppRouter>({
  links: [
    httpLink({ url: "http://console.test/api/trpc", transformer: superjson, fetch: fetchThroughRoute }),
  ],
});

const REFERENCE = /^internal error \(reference ([0-9a-f-]{36})\); the server log has the details$/;

describe("an unexpected error over HTTP", () => {
  it("reaches the client as 'internal error' with a reference id the log has, and no detail", async () => {
    expect((await client.model.list.query({ query: "" })).length).toBe(0);
    // A real failure nobody planned for: this file's own database disappears under the console.
    const databaseName = decodeURIComponent(new URL(process.env.DATABASE_URL!).pathname.slice(1));
    await dropDatabase(databaseName);

    const error = await client.model.list.query({ query: "" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCClientError);
    const clientError = error as TRPCClientError<AppRouter>;
    expect(clientError.message).toMatch(REFERENCE);
    expect(clientError.data).toEqual({ code: "INTERNAL_SERVER_ERROR", httpStatus: 500, path: "model.list" });
    const referenceId = REFERENCE.exec(clientError.message)![1]!;

    // The whole body, byte for byte what a client receives: the message, the code, nothing else.
    const response = await GET(
      new Request(
        `http://console.test/api/trpc/model.list?input=${encodeURIComponent(JSON.stringify({ json: { query: "" } }))}`,
        { headers: { "x-request-id": "trace-42" } },
      ),
    );
    expect(response.status).toBe(500);
    expect(response.headers.get("x-request-id")).toBe("trace-42");
    const body = await response.text();
    const { error: shape } = JSON.parse(body) as { error: { json: { message: string } } };
    expect(shape).toEqual({
      json: {
        message: expect.stringMatching(REFERENCE),
        code: -32603,
        data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500, path: "model.list" },
      },
    });
    for (const detail of [databaseName, "prisma", "postgres", "stack", process.cwd(), String(process.pid)])
      expect(body.toLowerCase()).not.toContain(detail.toLowerCase());

    const lines = (await readFile(logFile, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const logged = lines.find((line) => line.referenceId === referenceId);
    expect(logged).toMatchObject({
      level: 50,
      msg: "unexpected error",
      component: "trpc",
      path: "model.list",
      type: "query",
      err: { message: expect.any(String), stack: expect.any(String) },
    });
    // The log has what the client was spared.
    expect(JSON.stringify(logged)).toContain(databaseName);
    // The caller's request id ties its answer to the error and to the request's own line.
    expect(lines.filter((line) => line.requestId === "trace-42")).toEqual([
      expect.objectContaining({ msg: "unexpected error", path: "model.list" }),
      expect.objectContaining({ msg: "request answered", procedurePath: "model.list", statusCode: 500 }),
    ]);
  });
});
