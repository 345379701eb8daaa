import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { POST } from "@/app/api/trpc/[trpc]/route";
import { getDb } from "@/server/db";
import type { AppRouter } from "@/server/trpc/root";

// The real route handler behind a real tRPC client; only the socket is skipped.
const fetchThroughRoute: typeof fetch = async (input, init) => POST(new Request(input as string, init));
const clientFor = (headers: Record<string, string> = {}) =>
  createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: "http://console.test/api/trpc",
        transformer: superjson,
        fetch: fetchThroughRoute,
        headers,
      }),
    ],
  });
const client = clientFor();

describe("the tRPC route over HTTP", () => {
  it("answers queries and maps service errors to statuses with their messages", async () => {
    await client.model.create.mutate({ name: "over-http" });
    expect((await client.model.byName.query({ name: "over-http" })).name).toBe("over-http");
    const error = await client.model.byName.query({ name: "ghost" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error).toMatchObject({
      message: "model 'ghost' does not exist",
      data: { code: "NOT_FOUND", httpStatus: 404 },
    });
  });

  it("answers NOT_FOUND for an unknown x-team and creates nothing, not even on a mutation", async () => {
    const db = getDb();
    const teamsBefore = await db.team.count();
    const modelsBefore = await db.model.count();
    const intruder = clientFor({ "x-team": "intruder" });
    for (const call of [
      () => intruder.model.list.query({ query: "" }),
      () => intruder.model.create.mutate({ name: "planted" }),
    ]) {
      await expect(call()).rejects.toMatchObject({
        message: "team 'intruder' does not exist",
        data: { code: "NOT_FOUND", httpStatus: 404 },
      });
    }
    expect(await db.team.count()).toBe(teamsBefore);
    expect(await db.team.findUnique({ where: { slug: "intruder" } })).toBeNull();
    expect(await db.model.count()).toBe(modelsBefore);
  });

  it("names the field of an invalid input", async () => {
    const error = await client.model.create.mutate({ name: "Bad Name" }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      message: expect.stringMatching(/^Name may contain /),
      data: { code: "BAD_REQUEST", httpStatus: 400 },
    });
  });

  it("refuses a body over the limit before reading it, with a message the client shows", async () => {
    const declaredBytes = 600 * 1024 * 1024;
    const response = await POST(
      new Request("http://console.test/api/trpc/modelVersion.upload", {
        method: "POST",
        headers: {
          "content-length": String(declaredBytes),
          "content-type": "multipart/form-data; boundary=x",
        },
        body: "--x--",
      }),
    );
    expect(response.status).toBe(413);
    const body = (await response.json()) as { error: Parameters<typeof superjson.deserialize>[0] };
    expect(superjson.deserialize(body.error)).toMatchObject({
      message: "the request body is 600 MiB, over the 513 MiB limit",
      data: { code: "PAYLOAD_TOO_LARGE" },
    });
  });
});
