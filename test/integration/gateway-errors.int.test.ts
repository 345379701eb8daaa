import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { startGateway } from "@/server/gateway/start-gateway";
import { getRedis } from "@/server/redis";
import { dropDatabase } from "@/test/support/databases";
import { createFraudDeployment } from "@/test/support/fraud-deployment";
import { getDb } from "@/server/db";
import { callerFor } from "@/test/support/trpc-caller";
import { ownRedis } from "@/test/support/own-redis";

// Real faults under a gateway in this process: its Redis (one of this file's own) stops, then
// its database vanishes. Clients get a status and a message that says what to do, never the
// fault's internals; an unexpected error gets a reference id that finds it in the log.

const redis = await ownRedis();
process.env.REDIS_URL = redis.url;
const logFile = path.join(os.tmpdir(), `gateway-errors-${process.pid}.log`);
process.env.LOG_FILE = logFile;

let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  await createFraudDeployment();
  gateway = await startGateway({ ...readGatewayEnv(), GATEWAY_PORT: 0, GATEWAY_HOST: "127.0.0.1" });
});

afterAll(async () => {
  await redis.start().catch(() => undefined);
  await gateway?.close();
  await getRedis().quit();
  await redis.stop();
  await rm(logFile, { force: true });
});

interface Answer {
  status: number;
  text: string;
  body: { error?: string } & Record<string, unknown>;
  headers: Headers;
}

async function call(route: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${gateway.url}${route}`, init);
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: JSON.parse(text) as Answer["body"],
    headers: response.headers,
  };
}

const inferBody = JSON.stringify({
  inputs: [{ name: "features", datatype: "FP32", shape: [1, 14], data: new Array(14).fill(0.1) }],
});
const infer = (name: string, headers: Record<string, string> = {}) =>
  call(`/v2/models/${name}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: inferBody,
  });

async function logLines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Nothing of the fault's internals: no stack frame, source path, driver name or address. */
function expectNoInternals(answer: Answer): void {
  for (const leak of [
    /\bat .*\(/,
    /\/work\/|node_modules|\.ts\b|\.js\b/,
    /prisma|postgres|ioredis|bullmq|ECONNREFUSED/i,
    /127\.0\.0\.1|localhost|:\d{4,5}\b/,
    /database ".*" does not exist/,
  ])
    expect(answer.text).not.toMatch(leak);
}

describe("request ids", () => {
  it("echoes a caller's x-request-id, and makes one when there is none or it is not a plain token", async () => {
    expect(
      (await call("/v2/health/live", { headers: { "x-request-id": "client-42.a:b" } })).headers.get(
        "x-request-id",
      ),
    ).toBe("client-42.a:b");
    for (const headers of <Record<string, string>[]>[
      {},
      { "x-request-id": "has spaces\tand tabs" },
      { "x-request-id": "x".repeat(200) },
    ]) {
      const id = (await call("/v2/health/live", { headers })).headers.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe("with the gateway's Redis stopped", () => {
  it("answers 503 with retry-after from the queue, names no address, and says it is not ready", async () => {
    // Loaded while Redis runs; the deployment stays cached.
    expect((await call("/v2/models/fraud")).status).toBe(200);
    await redis.stop();

    const answer = await infer("fraud");
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 503,
      body: { error: "the serving queue is unavailable (Redis does not answer); retry later" },
    });
    expect(answer.headers.get("retry-after")).toBe("1");
    expectNoInternals(answer);

    const ready = await call("/v2/models/fraud/ready");
    expect({ status: ready.status, body: ready.body }).toEqual({
      status: 503,
      body: { error: "the serving queue is unavailable (Redis does not answer); retry later" },
    });
    expect((await call("/v2/health/ready")).status).toBe(503);
    await redis.start();
  });
});

describe("a deployment the gateway cannot load", () => {
  it("answers a corrupt stored revision 'internal error' with a reference id that finds the error in the log", async () => {
    await callerFor().deployment.create({ name: "fraud-corrupt", modelName: "card-fraud", versionNumber: 1 });
    await getDb().$executeRaw`UPDATE "DeploymentRevision" SET target = '{"kind":"nonsense"}'
      WHERE "deploymentId" = (SELECT id FROM "Deployment" WHERE name = 'fraud-corrupt')`;

    const answer = await infer("fraud-corrupt", { "x-request-id": "fault-test-1" });
    expect(answer.status).toBe(500);
    const match = /^internal error \(reference ([0-9a-f-]{36})\); the server log has the details$/.exec(
      answer.body.error ?? "",
    );
    expect(match, answer.text).not.toBeNull();
    expect(Object.keys(answer.body)).toEqual(["error"]);
    expect(answer.headers.get("x-request-id")).toBe("fault-test-1");
    expectNoInternals(answer);

    const referenceId = match![1];
    const logged = (await logLines()).find((line) => line.referenceId === referenceId);
    expect(logged).toMatchObject({
      level: 50,
      msg: "unexpected error",
      component: "gateway",
      reqId: "fault-test-1",
      route: "/v2/models/:name/infer",
    });
    // The log has what the client does not: the error itself, with its stack.
    const err = logged!.err as { message: string; stack: string };
    expect(err.message).toMatch(/kind/);
    expect(err.stack).toMatch(/\n\s+at /);
    console.log(`unexpected error ${referenceId}: logged as ${JSON.stringify(err.message).slice(0, 200)}`);
  });

  it("answers 503 naming the registry when the database is gone, and logs the cause", async () => {
    const databaseName = decodeURIComponent(new URL(process.env.DATABASE_URL!).pathname.slice(1));
    await dropDatabase(databaseName);

    const answer = await infer("never-deployed", { "x-request-id": "fault-test-2" });
    expect({ status: answer.status, body: answer.body }).toEqual({
      status: 503,
      body: {
        error:
          "deployment 'never-deployed' cannot be looked up: the registry database is unavailable; retry later",
      },
    });
    expect(answer.headers.get("retry-after")).toBe("1");
    expectNoInternals(answer);
    const logged = (await logLines()).find(
      (line) => line.reqId === "fault-test-2" && line.msg === "answered 503",
    );
    expect(JSON.stringify(logged)).toMatch(/does not exist/);
  });
});
