import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { Queue } from "bullmq";
import { GET as getArtifact } from "@/app/api/artifacts/[sha256]/route";
import { readEnv } from "@/server/env";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { startGateway } from "@/server/gateway/start-gateway";
import { bullPrefix } from "@/server/contracts/key-prefix";
import { connectRedis } from "@/server/contracts/redis-connections";
import { SERVING_DEVICES, servingQueueName } from "@/server/contracts/serving";
import { startNodeProcess, type BenchProcess } from "@/bench/processes";
import { freePort } from "@/test/support/free-port";

const REPO = path.resolve(import.meta.dirname, "../..");

/**
 * The web app's own artifact route behind a bare node:http server, as workers fetch it; `port`
 * brings one back where a closed one was, as a restarted console.
 */
export async function serveArtifacts(port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(async (request, response) => {
    const match = /^\/api\/artifacts\/([^/?]+)$/.exec(request.url ?? "");
    if (!match) return void response.writeHead(404).end();
    // The worker's own headers (its WORKER_TOKEN), as the route would receive them.
    const headers = request.headers.authorization
      ? { authorization: request.headers.authorization }
      : undefined;
    const answer = await getArtifact(new Request(`http://artifacts${request.url}`, { headers }), {
      params: Promise.resolve({ sha256: match[1]! }),
    });
    response.writeHead(answer.status, Object.fromEntries(answer.headers));
    if (answer.body) Readable.fromWeb(answer.body as NodeReadableStream).pipe(response);
    else response.end();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a stopped console ends its downloads too
      }),
  };
}

/**
 * workers/main.ts as production runs it, in a child process; resolves once it says it is up.
 * Node with tsx's loader rather than the tsx CLI, whose grandchild a SIGKILL would leave running.
 */
export async function startWorkerProcess(options: {
  hostName: string;
  artifactSourceUrl: string;
  cacheDir?: string;
  env?: Record<string, string>;
}): Promise<ChildProcess> {
  const cacheDir =
    options.cacheDir ?? (await mkdtemp(path.join(os.tmpdir(), `worker-cache-${options.hostName}-`)));
  // The worker logs JSON lines to its stdout, where its start is awaited, not to this file's LOG_FILE.
  const { LOG_FILE: _logFile, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--import", "tsx", "workers/main.ts"], {
    cwd: REPO,
    env: {
      ...inherited,
      WORKER_HOST_NAME: options.hostName,
      WORKER_CACHE_DIR: cacheDir,
      ARTIFACT_SOURCE_URL: options.artifactSourceUrl,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let started = false;
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      // Kept only until it is up: it is for the error of a worker that exits before that.
      if (started) return;
      output += chunk.toString();
      started = output.split("\n").some((line) => isStartLine(line, options.hostName));
      if (started) resolve();
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) =>
      reject(new Error(`worker ${options.hostName} exited with ${code} before starting:\n${output}`)),
    );
  });
  return child;
}

/** The log line workers/main.ts writes once it takes jobs. */
function isStartLine(line: string, hostName: string): boolean {
  if (!line.startsWith("{")) return false;
  try {
    const entry = JSON.parse(line) as { msg?: string; hostName?: string };
    return entry.msg === "worker started" && entry.hostName === hostName;
  } catch {
    return false;
  }
}

/**
 * server/gateway/main.ts as production runs it, in a child process on a free port, for tests that
 * read its memory or must see that it stays alive; `env` overrides this test file's environment.
 */
export async function startGatewayProcess(
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<BenchProcess & { url: string }> {
  const port = await freePort();
  const proc = await startNodeProcess("gateway", "server/gateway/main.ts", {
    // Its JSON lines go to its stdout, where its start is awaited, not to this file's LOG_FILE.
    env: { LOG_FILE: undefined, GATEWAY_PORT: String(port), GATEWAY_HOST: "127.0.0.1", ...env },
    ready: /"msg":"gateway listening/,
    nodeArgs,
  });
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/**
 * A gateway that admits whatever comes, within its hard caps: each deployment's limit pinned at
 * its cap, no in-flight bound, no event-loop check. For a gateway in a test's own process, whose
 * clients' work counts as the gateway's event-loop delay, and for tests whose bursts are about
 * something else (routing, flips); test/chaos/overload.chaos.test.ts measures capacity with it.
 */
export const ADMISSION_OFF = {
  GATEWAY_MIN_PENDING_PER_DEPLOYMENT: 4_096,
  GATEWAY_MAX_IN_FLIGHT: 1_000_000,
  GATEWAY_MAX_EVENT_LOOP_DELAY_MS: 1_000_000,
};

/** A gateway in this process on a free loopback port, admission off, `overrides` over this file's env. */
export function startLocalGateway(overrides: Partial<ReturnType<typeof readGatewayEnv>> = {}) {
  return startGateway({
    ...readGatewayEnv(),
    ...ADMISSION_OFF,
    GATEWAY_PORT: 0,
    GATEWAY_HOST: "127.0.0.1",
    ...overrides,
  });
}

/**
 * The data plane as production runs it, but for admission (ADMISSION_OFF): the artifact route,
 * one worker process and a gateway in this process on a free port, on this test file's database
 * and Redis prefix.
 * `stop` also removes this file's serving queues from Redis.
 */
export async function startServingStack({
  hostName,
  workerEnv,
}: {
  hostName: string;
  /** Variables of the worker process, over this file's environment. */
  workerEnv?: Record<string, string>;
}) {
  const artifacts = await serveArtifacts();
  const worker = await startWorkerProcess({ hostName, artifactSourceUrl: artifacts.url, env: workerEnv });
  const gateway = await startLocalGateway();
  return {
    gateway,
    worker,
    artifacts,
    async stop() {
      await gateway.close();
      await stopProcess(worker);
      await artifacts.close();
      await removeServingQueues();
    },
  };
}

/** Removes this file's serving queues (every device's) from Redis. */
export async function removeServingQueues(): Promise<void> {
  const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
  const connection = connectRedis("producer", REDIS_URL);
  for (const device of SERVING_DEVICES) {
    const queue = new Queue(servingQueueName(device), { connection, prefix: bullPrefix(REDIS_KEY_PREFIX) });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  connection.disconnect();
}
