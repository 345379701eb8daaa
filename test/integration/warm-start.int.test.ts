import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/server/db";
import type { startGateway } from "@/server/gateway/start-gateway";
import { getRedis } from "@/server/redis";
import { removeArtifact, storageKeyFor } from "@/server/storage/artifact-store";
import { multiOutputModel } from "@/test/fixtures/odd-models";
import { readDemoFile } from "@/test/support/demo-files";
import {
  removeServingQueues,
  serveArtifacts,
  startLocalGateway,
  startWorkerProcess,
  stopProcess,
} from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// Warm starts: a session thread starts from bundled JavaScript (no TypeScript loader to boot), and
// a serving worker loads the versions a new revision serves when the console announces it, before
// traffic comes. Real processes: a worker (workers/main.ts), the gateway in this process, the
// artifact route. A first answer is judged against the model's own load time as the worker
// measured it in this run (its artifact's fetch plus onnxruntime's session create) plus a margin
// for everything else it waits for: the thread's boot and onnxruntime's import, the gateway's
// first read of the new revision, the queue hop and the run. The target for that is
// 100 ms, which holds on this machine idle (55-60 ms of thread, under 15 ms of the rest; 65-85 ms
// in all even at load 4). Tests share its two cores with other suites (load 4-9), where every
// part is 2-4x slower and a burst of theirs can add 100 ms to one answer; so each case runs three
// times and its best is judged (noise only adds time), against a margin that is the target
// scaled by how much slower than idle an empty thread starts right now (35 ms idle here), never
// below 1.5x the target. With the tsx loader booting in each thread, the thread alone took
// 330-640 ms idle: past the margin at any load. Every figure is printed.
// The worker's memory budget fits one small session, so loading one evicts the other: that makes
// a cold start on the job path (a version whose session is gone) without restarting the worker.

const TARGET_MS = 100;
const IDLE_EMPTY_THREAD_MS = 35;
const HOST = "warm-start-host";
const api = callerFor();
let artifacts: Awaited<ReturnType<typeof serveArtifacts>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let worker: ChildProcess | undefined;
const logLines: Record<string, unknown>[] = [];
const sha256Of: Record<string, string> = {};

async function register(modelName: string, file: Uint8Array): Promise<string> {
  const { number } = await api.modelVersion.upload(uploadForm({ modelName, file }));
  const { artifactSha256 } = await getDb().modelVersion.findFirstOrThrow({
    where: { model: { name: modelName }, number },
    select: { artifactSha256: true },
  });
  return artifactSha256;
}

beforeAll(async () => {
  await api.model.create({ name: "warm-fraud" });
  for (const version of [1, 2, 3])
    sha256Of[`v${version}`] = await register("warm-fraud", await readDemoFile(`fraud-v${version}.onnx`));
  await api.model.create({ name: "warm-broken" });
  sha256Of.broken = await register("warm-broken", multiOutputModel());
  artifacts = await serveArtifacts();
  gateway = await startLocalGateway();
});

afterAll(async () => {
  await gateway?.close();
  if (worker) await stopProcess(worker);
  await artifacts?.close();
  await removeServingQueues();
  await getRedis().quit();
});

/** The worker's JSON log lines from its start on. */
function follow(child: ChildProcess): void {
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop()!;
    for (const line of lines)
      if (line.startsWith("{")) logLines.push(JSON.parse(line) as Record<string, unknown>);
  });
}

const PRELOADING = "preloading a version the active revision serves";
const LOADED = "session loaded";
const PRELOAD_FAILED = "could not preload the version; its first job loads it again";
const linesAbout = (msg: string, artifactSha256: string) =>
  logLines.filter((line) => line.msg === msg && line.artifactSha256 === artifactSha256);

interface SessionLoadLine {
  fetchMs: number;
  startMs: number;
  sessionCreateMs: number;
}

/** The worker's `count`-th "session loaded" line for the artifact, once it is written. */
async function sessionLoad(artifactSha256: string, count: number): Promise<SessionLoadLine> {
  await expect.poll(() => linesAbout(LOADED, artifactSha256).length, { timeout: 20_000 }).toBe(count);
  return linesAbout(LOADED, artifactSha256)[count - 1] as unknown as SessionLoadLine;
}

const ROW = [0.4, -1.2, 2.5, 0.1, 0, 1, -0.3, 0.8, 1.9, -2.2, 0.05, 0.7, -0.6, 1.1];
const FRAUD_INPUT = { name: "features", datatype: "FP32", shape: [1, 14], data: ROW };

async function timedInfer(name: string, input: unknown = FRAUD_INPUT) {
  const startedMs = performance.now();
  const response = await fetch(`${gateway.url}/v2/models/${name}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ inputs: [input] }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body, elapsedMs: performance.now() - startedMs };
}

/**
 * Promotes a version and returns once this gateway routes to it: the announcement reaches the
 * gateway and the worker at the same moment, and a request sent before the gateway heard it would
 * be answered, correctly, by the version it replaces.
 */
async function promote(versionNumber: number): Promise<void> {
  await api.deployment.changeTraffic({ name: "warm", change: { kind: "promote", versionNumber } });
  await expect
    .poll(
      async () => {
        const response = await fetch(`${gateway.url}/v2/models/warm`);
        return ((await response.json()) as { versions: string[] }).versions;
      },
      { timeout: 10_000, interval: 5 },
    )
    .toEqual([String(versionNumber)]);
}

/** The margin now: TARGET_MS, scaled by how much slower than idle an empty thread starts (median of 5). */
async function marginMs(): Promise<number> {
  const startsMs: number[] = [];
  for (let round = 0; round < 5; round++) {
    const startedMs = performance.now();
    const thread = new Worker("require('node:worker_threads').parentPort.postMessage(0)", {
      eval: true,
      execArgv: [],
    });
    await once(thread, "message");
    startsMs.push(performance.now() - startedMs);
    await thread.terminate();
  }
  const emptyThreadMs = startsMs.sort((a, b) => a - b)[2]!;
  return TARGET_MS * Math.max(1.5, emptyThreadMs / IDLE_EMPTY_THREAD_MS);
}

interface FirstAnswer {
  answerMs: number;
  load: SessionLoadLine;
  marginMs: number;
}

/** Prints each first answer against its load time; returns the best one's time beyond its load. */
function bestBeyondLoad(what: string, answers: FirstAnswer[]): FirstAnswer & { beyondMs: number } {
  const judged = answers.map((answer) => ({
    ...answer,
    beyondMs: answer.answerMs - answer.load.fetchMs - answer.load.sessionCreateMs,
  }));
  for (const { answerMs, load, marginMs, beyondMs } of judged)
    console.log(
      `${what}: first answer ${answerMs.toFixed(1)} ms; load time ${(answerMs - beyondMs).toFixed(1)} ms ` +
        `(fetch ${load.fetchMs}, session create ${load.sessionCreateMs}); thread start to ready ` +
        `${load.startMs} ms; beyond load time ${beyondMs.toFixed(1)} ms (target ${TARGET_MS}, margin ${marginMs.toFixed(0)})`,
    );
  return judged.reduce((best, answer) =>
    answer.beyondMs - answer.marginMs < best.beyondMs - best.marginMs ? answer : best,
  );
}

describe("warm starts", () => {
  it("loads a deployed version when its revision is created, before any request reaches it", async () => {
    worker = await startWorkerProcess({
      hostName: HOST,
      artifactSourceUrl: artifacts.url,
      env: { WORKER_MEMORY_BUDGET_MB: "100" }, // one small session (65 MB estimated), not two
    });
    follow(worker);
    await api.deployment.create({ name: "warm", modelName: "warm-fraud", versionNumber: 1 });
    // No request has gone to the deployment: the announcement alone loads v1.
    await sessionLoad(sha256Of.v1!, 1);
    expect(linesAbout(PRELOADING, sha256Of.v1!)).toHaveLength(1);
    const first = await timedInfer("warm");
    expect({ status: first.status, version: first.body.model_version }).toEqual({
      status: 200,
      version: "1",
    });
    expect(linesAbout(LOADED, sha256Of.v1!)).toHaveLength(1); // the request loaded nothing
    console.log(`first answer after a preload: ${first.elapsedMs.toFixed(1)} ms`);
  });

  it("answers the first request sent right after a promotion within the version's load time + margin", async () => {
    const answers: FirstAnswer[] = [];
    // Each promotion's version is not loaded (the budget holds one session): its revision loads it.
    for (const versionNumber of [2, 1, 2]) {
      const sha256 = sha256Of[`v${versionNumber}`]!;
      const loadsBefore = linesAbout(LOADED, sha256).length;
      const margin = await marginMs();
      await promote(versionNumber);
      const first = await timedInfer("warm");
      expect({ status: first.status, version: first.body.model_version }).toEqual({
        status: 200,
        version: String(versionNumber),
      });
      const load = await sessionLoad(sha256, loadsBefore + 1);
      answers.push({ answerMs: first.elapsedMs, load, marginMs: margin });
    }
    expect(linesAbout(PRELOADING, sha256Of.v2!)).toHaveLength(2);
    const best = bestBeyondLoad("first answer right after a promotion", answers);
    expect(best.beyondMs).toBeLessThan(best.marginMs);
  });

  it("a cold start of a small model answers within its load time + margin", async () => {
    // Another deployment's version takes the memory budget: v2's session is evicted.
    await api.deployment.create({ name: "warm-other", modelName: "warm-fraud", versionNumber: 3 });
    await sessionLoad(sha256Of.v3!, 1);
    const answers: FirstAnswer[] = [];
    // Nothing announces either version again: each request finds the other's session in the
    // budget, so it loads its own on the job's path.
    for (const [name, version] of [
      ["warm", "2"],
      ["warm-other", "3"],
      ["warm", "2"],
    ] as const) {
      const sha256 = sha256Of[`v${version}`]!;
      const loadsBefore = linesAbout(LOADED, sha256).length;
      const margin = await marginMs();
      const first = await timedInfer(name);
      expect({ status: first.status, version: first.body.model_version }).toEqual({ status: 200, version });
      const load = await sessionLoad(sha256, loadsBefore + 1);
      answers.push({ answerMs: first.elapsedMs, load, marginMs: margin });
    }
    expect(linesAbout(PRELOADING, sha256Of.v3!)).toHaveLength(1); // the deployment's own, only
    const best = bestBeyondLoad("cold start on the job's path", answers);
    expect(best.beyondMs).toBeLessThan(best.marginMs);
  });

  it("logs a preload that fails, keeps serving, and gives the version's first request the usual error", async () => {
    const sha256 = sha256Of.broken!;
    await removeArtifact(storageKeyFor(sha256)); // the console lost the bytes after registration
    await api.deployment.create({ name: "warm-broken", modelName: "warm-broken", versionNumber: 1 });
    await expect
      .poll(() => linesAbout(PRELOAD_FAILED, sha256).length, {
        timeout: 20_000,
      })
      .toBe(1);
    expect(linesAbout(PRELOAD_FAILED, sha256)[0]).toMatchObject({
      level: 40,
      reason: expect.stringMatching(/HTTP 404/),
    });
    const broken = await timedInfer("warm-broken", {
      name: "x",
      datatype: "FP32",
      shape: [1, 3],
      data: [1, 2, 3],
    });
    // The usual answer to a version that cannot load: an internal error, the reason in the log.
    expect({ status: broken.status, error: broken.body.error }).toEqual({
      status: 500,
      error: expect.stringMatching(
        /^internal error \(reference [0-9a-f-]+\); the server log has the details$/,
      ),
    });
    expect(worker!.exitCode).toBeNull();
    expect((await timedInfer("warm")).status).toBe(200);
  });
});
