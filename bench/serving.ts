import { mkdir, readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { makeDemoModels } from "@/scripts/demo/make-demo-models";
import { DEFAULT_PREDICTION_SAMPLE_RATE } from "@/server/contracts/prediction-samples";
import { readEnv } from "@/server/env";
import { getRedis } from "@/server/redis";
import {
  createUnsampledTwin,
  readRedisCommandStats,
  readServingCounters,
  setUpConsole,
  type BenchDeployment,
  type BenchModel,
  type ServingCounters,
} from "./bench-stack";
import { freePort } from "@/test/support/free-port";
import { measureOnOffOverhead, type ComparedGateway, type OnOffOverhead } from "./on-off-overhead";
import { formatSummary, summarizeProfile } from "./cpu-profile-summary";
import { postJson, runClosedLoop, type LoadResult } from "./load-generator";
import {
  machineBusyCpuSeconds,
  processContextSwitches,
  processCpuSeconds,
  REPO,
  startNodeProcess,
  stopNodeProcess,
  type BenchProcess,
} from "./processes";
import { sweepRawBatchSizes, type RawBatchResult } from "./raw-onnx";

/**
 * `npm run bench:serving`: the tiny demo model and the compute-heavy one, at 1, 16 and 64
 * concurrent clients, against (a) raw session.run at its best batch size, (b) a bare node:http
 * server with one run per request, (c) the gateway + BullMQ + serving worker, and (d) the smallest
 * queued design (bench/queued: node:http, one Redis list item per batch each way, a worker that
 * merges what is waiting into one run), each in its own process. Prints markdown tables, the
 * ratios and the issues' targets (PASS/MISS).
 *
 * Options: --seconds=6 --warmup=2 (per cell), --only=heavy-mlp:64,fraud-v1:1 (cells to run),
 * --profile=<dir> (`node --cpu-prof` on the bare servers, gateway and worker; summaries printed),
 * --max-batch-size=64 --max-queue-delay-ms=2 (the bench deployments' batching settings).
 * The counting step (fraud-v1, 64 clients) compares the gateway with counters on against a second
 * gateway process with GATEWAY_COUNTERS=off on the same worker, in ABBA turns of --counting-seconds
 * (default 4) per window, --counting-rounds (default 4) per side; `--only=counting` runs it alone.
 * The sampling step (the same model and load, the same windows) compares a deployment logging 10%
 * of its requests with a twin logging none, through one gateway; `--only=sampling` runs it alone.
 */

const MODELS: BenchModel[] = [
  { label: "fraud-v1", file: "fraud-v1.onnx", inputName: "features", width: 14 },
  { label: "heavy-mlp", file: "heavy-mlp.onnx", inputName: "input", width: 512 },
];
const CONCURRENCY = [1, 16, 64];
const RAW_MS_PER_BATCH_SIZE = 600;
/** Cores used by processes outside the bench above which a cell is flagged as disturbed. */
const NOISY_OTHER_CORES = 0.15;

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "6" },
    warmup: { type: "string", default: "2" },
    only: { type: "string" },
    profile: { type: "string" },
    "max-batch-size": { type: "string", default: "64" },
    "max-queue-delay-ms": { type: "string", default: "2" },
    "counting-seconds": { type: "string", default: "4" },
    "counting-rounds": { type: "string", default: "4" },
  },
});
const DEPLOYMENT_SETTINGS = {
  maxBatchSize: Number(args["max-batch-size"]),
  maxQueueDelayMs: Number(args["max-queue-delay-ms"]),
};
const durationMs = Number(args.seconds) * 1000;
const warmupMs = Number(args.warmup) * 1000;
const only = args.only ? new Set(args.only.split(",")) : null;
const profileDir = args.profile ? path.resolve(args.profile) : null;
const wanted = (model: BenchModel, concurrency: number) => !only || only.has(`${model.label}:${concurrency}`);
/** The counting step's model and load: the tiny model, where the gateway's own work is most of the cost. */
const COUNTING = { label: "fraud-v1", concurrency: 64 };
const countingWanted = !only || only.has("counting");
/** The prediction log's step: the counting step's model and load, sampling 10% against 0%. */
const samplingWanted = !only || only.has("sampling");
const models = MODELS.filter(
  (model) =>
    CONCURRENCY.some((concurrency) => wanted(model, concurrency)) ||
    ((countingWanted || samplingWanted) && model.label === COUNTING.label),
);
const cellsWanted = models.some((model) => CONCURRENCY.some((concurrency) => wanted(model, concurrency)));
const benchStarted = performance.now();

/** CPU cores each process used during a measured window (CPU seconds / wall seconds). */
interface CpuShare {
  client: number;
  server: Record<string, number>;
  other: number;
  /** Context switches per second of the client and the metered processes, all threads. */
  switchesPerSecond: number;
}

/** Per Redis command over a measured window: calls and Redis's own microseconds in it. */
type CommandUse = Map<string, { calls: number; usec: number }>;

interface CellResult extends LoadResult {
  redisCommands?: CommandUse;
  cpu: CpuShare;
  /** The slower of cpuProbeMs() just before and just after the cell. */
  probeMs: number;
  serving?: ServingCounters;
}

/**
 * Processes to meter, by name. A name ending in " main" is the main thread (tid = pid) of a
 * process also metered whole: its event loop, where all of that process's JavaScript runs
 * except in worker threads; it is not added to the total.
 */
function meterCpu(processes: Record<string, number>) {
  const read = () => ({
    at: performance.now(),
    client: process.cpuUsage(),
    server: Object.fromEntries(
      Object.entries(processes).map(([name, pid]) => [
        name,
        processCpuSeconds(pid, name.endsWith(" main") ? pid : undefined),
      ]),
    ),
    machine: machineBusyCpuSeconds(),
    switches: [process.pid, ...new Set(Object.values(processes))].reduce(
      (sum, pid) => sum + processContextSwitches(pid),
      0,
    ),
  });
  let start: ReturnType<typeof read> | null = null;
  return {
    start: () => void (start = read()),
    stop(): CpuShare {
      const end = read();
      const wallS = (end.at - start!.at) / 1000;
      const client =
        (end.client.user + end.client.system - start!.client.user - start!.client.system) / 1e6 / wallS;
      const server = Object.fromEntries(
        Object.keys(processes).map((name) => [name, (end.server[name]! - start!.server[name]!) / wallS]),
      );
      const ours =
        client +
        Object.entries(server).reduce(
          (sum, [name, cores]) => (name.endsWith(" main") ? sum : sum + cores),
          0,
        );
      return {
        client,
        server,
        other: Math.max(0, (end.machine - start!.machine) / wallS - ours),
        switchesPerSecond: (end.switches - start!.switches) / wallS,
      };
    },
  };
}

/** One closed-loop cell with CPU metering (and the gateway's counters) over its measured window. */
async function measure(
  url: string,
  body: Buffer,
  concurrency: number,
  processes: Record<string, number>,
  deployment?: BenchDeployment,
): Promise<CellResult> {
  await waitForQuiet();
  const probeBeforeMs = cpuProbeMs();
  const meter = meterCpu(processes);
  let countersBefore: Promise<ServingCounters> | undefined;
  let commandsBefore: Promise<CommandUse> | undefined;
  let commandsAfter: Promise<CommandUse> | undefined;
  const startTimer = setTimeout(() => {
    meter.start();
    if (deployment)
      [countersBefore, commandsBefore] = [readServingCounters(deployment), readRedisCommandStats()];
  }, warmupMs);
  let cpu: CpuShare | undefined;
  const stopTimer = setTimeout(() => {
    cpu = meter.stop();
    if (deployment) commandsAfter = readRedisCommandStats();
  }, warmupMs + durationMs);
  const result = await runClosedLoop({ url, body, concurrency, warmupMs, durationMs });
  clearTimeout(startTimer);
  clearTimeout(stopTimer);
  cpu ??= meter.stop();
  const probeMs = Math.max(probeBeforeMs, cpuProbeMs());
  if (!deployment) return { ...result, cpu, probeMs };
  // The gateway flushes its counters once a second.
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const [before, after] = [await countersBefore!, await readServingCounters(deployment)];
  const serving = Object.fromEntries(
    Object.keys(after).map((key) => [
      key,
      after[key as keyof ServingCounters] - before[key as keyof ServingCounters],
    ]),
  ) as unknown as ServingCounters;
  const [commandsStart, commandsEnd] = [
    await commandsBefore!,
    await (commandsAfter ?? readRedisCommandStats()),
  ];
  const redisCommands: CommandUse = new Map();
  for (const [command, end] of commandsEnd) {
    const start = commandsStart.get(command) ?? { calls: 0, usec: 0 };
    if (end.calls > start.calls)
      redisCommands.set(command, { calls: end.calls - start.calls, usec: end.usec - start.usec });
  }
  return { ...result, cpu, probeMs, serving, redisCommands };
}

function requestBody(model: BenchModel): Buffer {
  const data = Array.from({ length: model.width }, (_, i) => Math.round(((i * 37) % 101) / 10.1) / 10);
  return Buffer.from(
    JSON.stringify({ inputs: [{ name: model.inputName, shape: [1, model.width], datatype: "FP32", data }] }),
  );
}

/** The first output's values, after checking the answer is a v2 response. */
async function firstOutput(url: string, body: Buffer, system: string): Promise<number[]> {
  const { status, json } = await postJson(url, body);
  const outputs = (json as { outputs?: { data: number[] }[] }).outputs;
  if (status !== 200 || !outputs?.[0])
    throw new Error(
      `${system} did not answer a v2 response (HTTP ${status}): ${JSON.stringify(json).slice(0, 300)}`,
    );
  return outputs[0].data;
}

async function waitUntilServing(url: string, body: Buffer, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { status, json } = await postJson(url, body).catch((error: Error) => ({
      status: 0,
      json: error.message,
    }));
    if (status === 200) return;
    if (Date.now() > until)
      throw new Error(
        `${url} is not serving after ${timeoutMs} ms: HTTP ${status} ${JSON.stringify(json).slice(0, 300)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function profileArgs(name: string): string[] {
  // One directory per process: under tsx, the loader's hooks thread writes a profile of its own.
  return profileDir ? ["--cpu-prof", `--cpu-prof-dir=${path.join(profileDir, name)}`] : [];
}

/**
 * Others share this machine: before a cell, wait (up to `maxMs`) for a second in which the
 * machine was busy for less than NOISY_OTHER_CORES (our idle processes included). Returns the
 * busy cores seen last; the cell's own 'other' column says how quiet it really stayed.
 */
async function waitForQuiet(maxMs = 60_000): Promise<number> {
  const until = performance.now() + maxMs;
  for (;;) {
    const before = machineBusyCpuSeconds();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const busy = machineBusyCpuSeconds() - before;
    if (busy < NOISY_OTHER_CORES || performance.now() > until) return busy;
  }
}

/**
 * Milliseconds for a fixed piece of single-threaded work (best of three). The host of this
 * machine is shared too: when it is busy, every core is slower without any process here using
 * more CPU, which the 'other' column cannot see. Cells are flagged against the fastest probe.
 */
function cpuProbeMs(): number {
  let best = Infinity;
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = performance.now();
    if (probeWork(4_000_000) === 0.5) console.log("unreachable"); // uses the result
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

function probeWork(iterations: number): number {
  let x = 0x9e3779b9;
  for (let i = 0; i < iterations; i++) x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + i;
  return x;
}

async function redisPid(): Promise<number> {
  const info = await getRedis().info("server");
  return Number(/process_id:(\d+)/.exec(info)?.[1] ?? NaN);
}

// ---------------------------------------------------------------------------------------------

const cpuModel = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`# bench:serving  ${new Date().toISOString()}`);
console.log(
  `${os.cpus().length} cores (${cpuModel}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, onnxruntime-node ${ort.env.versions.common}, load average ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(" ")}`,
);
console.log(
  `cells: ${durationMs / 1000} s measured after ${warmupMs / 1000} s warm-up; deployments maxBatchSize ${DEPLOYMENT_SETTINGS.maxBatchSize}, maxQueueDelayMs ${DEPLOYMENT_SETTINGS.maxQueueDelayMs}\n`,
);
await makeDemoModels(path.join(REPO, "data/demo"));
if (profileDir) await mkdir(profileDir, { recursive: true });

// (a) raw session.run, before anything else runs and again after everything stopped: a
// neighbour's load can only slow a sweep down, so the faster of the two is the CPU's limit.
const raw = new Map<string, { sweep: RawBatchResult[]; best: RawBatchResult }>();
async function sweepRaw(): Promise<void> {
  // The counting and sampling steps alone compare gateways: no raw baseline to sweep.
  if (!cellsWanted) return;
  for (const model of models) {
    await waitForQuiet();
    const sweep = await sweepRawBatchSizes(
      path.join(REPO, "data/demo", model.file),
      model.inputName,
      model.width,
      RAW_MS_PER_BATCH_SIZE,
    );
    const merged = sweep.map((row, i) => {
      const earlier = raw.get(model.label)?.sweep[i];
      return earlier && earlier.rowsPerSecond > row.rowsPerSecond ? earlier : row;
    });
    raw.set(model.label, {
      sweep: merged,
      best: merged.reduce((best, row) => (row.rowsPerSecond > best.rowsPerSecond ? row : best)),
    });
  }
}
await sweepRaw();
// (c)'s console side and processes, and (b)'s servers, all up before the cells so that b and c
// of one cell run back to back (neighbours' load on this machine drifts).
const stack = await setUpConsole(models, DEPLOYMENT_SETTINGS);
const gatewayPort = await freePort();
const workerProcess = await startNodeProcess("worker", "workers/main.ts", {
  env: {
    ...stack.env,
    WORKER_HOST_NAME: "bench-worker",
    WORKER_CACHE_DIR: path.join(stack.env.ARTIFACT_DIR, "worker-cache"),
    ARTIFACT_SOURCE_URL: stack.artifactSourceUrl,
  },
  ready: /"hostName":"bench-worker".*"msg":"worker started"/,
  nodeArgs: profileArgs("worker"),
});
const gatewayProcess = await startNodeProcess("gateway", "server/gateway/main.ts", {
  env: { ...stack.env, GATEWAY_PORT: String(gatewayPort) },
  ready: /"msg":"gateway listening/,
  nodeArgs: profileArgs("gateway"),
});
const uncountedPort = await freePort();
const uncountedGateway = countingWanted
  ? await startNodeProcess("gateway-uncounted", "server/gateway/main.ts", {
      env: { ...stack.env, GATEWAY_PORT: String(uncountedPort), GATEWAY_COUNTERS: "off" },
      ready: /"msg":"gateway listening/,
      nodeArgs: profileArgs("gateway-uncounted"),
    })
  : null;
let counting: OnOffOverhead | null = null;
let sampling: OnOffOverhead | null = null;
const bareServers = new Map<string, { proc: BenchProcess; url: string }>();
const queuedPairs = new Map<string, { server: BenchProcess; worker: BenchProcess; url: string }>();
for (const model of models) {
  const queuedEnv = {
    REDIS_URL: readEnv().REDIS_URL,
    D_PREFIX: `${stack.env.REDIS_KEY_PREFIX}${model.label}:`,
    D_MODEL_NAME: model.label,
    BARE_MODEL_PATH: path.join(REPO, "data/demo", model.file),
  };
  const worker = await startNodeProcess(`queued-worker-${model.label}`, "bench/queued/queued-worker.ts", {
    env: queuedEnv,
    ready: /queued worker ready/,
    nodeArgs: profileArgs(`queued-worker-${model.label}`),
  });
  const server = await startNodeProcess(`queued-server-${model.label}`, "bench/queued/queued-server.ts", {
    env: queuedEnv,
    ready: /queued server listening on/,
    nodeArgs: profileArgs(`queued-server-${model.label}`),
  });
  queuedPairs.set(model.label, {
    server,
    worker,
    url: `${/http:\/\/\S+/.exec(server.readyLine)![0]}/v2/models/${model.label}/infer`,
  });
  const proc = await startNodeProcess(`bare-${model.label}`, "bench/bare-server.ts", {
    env: { BARE_MODEL_PATH: path.join(REPO, "data/demo", model.file), BARE_MODEL_NAME: model.label },
    ready: /bare server listening on/,
    nodeArgs: profileArgs(`bare-${model.label}`),
  });
  bareServers.set(model.label, {
    proc,
    url: `${/http:\/\/\S+/.exec(proc.readyLine)![0]}/v2/models/${model.label}/infer`,
  });
}
const redis = await redisPid();

const results = new Map<string, CellResult>();
const key = (model: BenchModel, concurrency: number, system: "b" | "c" | "d") =>
  `${model.label}:${concurrency}:${system}`;
try {
  for (const model of models) {
    const deployment = stack.deployments.find((candidate) => candidate.model === model)!;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}/v2/models/${deployment.name}/infer`;
    const bare = bareServers.get(model.label)!;
    const queued = queuedPairs.get(model.label)!;
    const body = requestBody(model);
    await waitUntilServing(gatewayUrl, body, 180_000);
    const fromBare = await firstOutput(bare.url, body, "the bare server");
    for (const [system, url] of [
      ["the gateway", gatewayUrl],
      ["the queued server", queued.url],
    ] as const) {
      const answered = await firstOutput(url, body, system);
      const drift = Math.max(...fromBare.map((value, i) => Math.abs(value - answered[i]!)));
      if (!(drift < 1e-3))
        throw new Error(
          `${model.label}: ${system} and the bare server disagree (largest difference ${drift})`,
        );
    }
    for (const concurrency of CONCURRENCY.filter((candidate) => wanted(model, candidate))) {
      results.set(
        key(model, concurrency, "b"),
        await measure(bare.url, body, concurrency, { server: bare.proc.child.pid! }),
      );
      results.set(
        key(model, concurrency, "c"),
        await measure(
          gatewayUrl,
          body,
          concurrency,
          {
            gateway: gatewayProcess.child.pid!,
            worker: workerProcess.child.pid!,
            "worker main": workerProcess.child.pid!,
            redis,
          },
          deployment,
        ),
      );
      results.set(
        key(model, concurrency, "d"),
        await measure(queued.url, body, concurrency, {
          server: queued.server.child.pid!,
          worker: queued.worker.child.pid!,
          redis,
        }),
      );
      const [b, c, d] = (["b", "c", "d"] as const).map((system) =>
        results.get(key(model, concurrency, system))!,
      );
      console.log(
        `measured ${model.label} x${concurrency}: b ${b!.throughput.toFixed(0)}, c ${c!.throughput.toFixed(0)}, d ${d!.throughput.toFixed(0)} req/s (load average ${os.loadavg()[0]!.toFixed(2)})`,
      );
    }
    /** One on/off step at the counting load, in ABBA windows; logged with the load average. */
    const onOff = async (step: string, on: ComparedGateway, off: ComparedGateway) => {
      await waitUntilServing(off.url, body, 60_000);
      const measured = await measureOnOffOverhead({
        on,
        off,
        body,
        concurrency: COUNTING.concurrency,
        rounds: Number(args["counting-rounds"]),
        warmupMs: Math.min(warmupMs, 1_000),
        durationMs: Number(args["counting-seconds"]) * 1000,
      });
      console.log(
        `measured ${step}, ${model.label} x${COUNTING.concurrency}: ${measured.on.throughput.toFixed(0)} / ${measured.off.throughput.toFixed(0)} req/s (load average ${os.loadavg()[0]!.toFixed(2)})`,
      );
      return measured;
    };
    const gateway = { url: gatewayUrl, pid: gatewayProcess.child.pid! };
    if (uncountedGateway && model.label === COUNTING.label)
      counting = await onOff("counting on/off", gateway, {
        url: `http://127.0.0.1:${uncountedPort}/v2/models/${deployment.name}/infer`,
        pid: uncountedGateway.child.pid!,
      });
    if (samplingWanted && model.label === COUNTING.label) {
      const twin = await createUnsampledTwin(deployment, DEPLOYMENT_SETTINGS);
      sampling = await onOff("sampling 10%/0%", gateway, {
        url: `http://127.0.0.1:${gatewayPort}/v2/models/${twin}/infer`,
        pid: gatewayProcess.child.pid!,
      });
    }
  }
} finally {
  await Promise.all(
    [
      gatewayProcess,
      workerProcess,
      ...(uncountedGateway ? [uncountedGateway] : []),
      ...[...bareServers.values()].map((bare) => bare.proc),
      ...[...queuedPairs.values()].flatMap((pair) => [pair.server, pair.worker]),
    ].map((proc) => stopNodeProcess(proc)),
  );
  await stack.tearDown();
}
await sweepRaw();

console.log(
  "\n## (a) raw session.run by batch size (rows/s; ms per run; the faster of a sweep before and one after the cells)\n",
);
if (raw.size > 0)
  console.log(
    `| batch | ${models.map((model) => model.label).join(" | ")} |\n|---:|${models.map(() => "---:|").join("")}`,
  );
for (let i = 0; i < (raw.get(models[0]!.label)?.sweep.length ?? 0); i++) {
  const cells = models
    .map((model) => raw.get(model.label)!.sweep[i]!)
    .map((row) => `${Math.round(row.rowsPerSecond).toLocaleString("en")} (${row.msPerRun.toFixed(2)} ms)`);
  console.log(`| ${raw.get(models[0]!.label)!.sweep[i]!.batchSize} | ${cells.join(" | ")} |`);
}
console.log();

// ---------------------------------------------------------------------------------------------

const fastestProbeMs = Math.min(...[...results.values()].map((cell) => cell.probeMs));
const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
const cores = (share: CpuShare) =>
  [
    `client ${fmt(share.client, 2)}`,
    ...Object.entries(share.server).map(([name, value]) => `${name} ${fmt(value, 2)}`),
    `other ${fmt(share.other, 2)}${share.other > NOISY_OTHER_CORES ? " (noisy)" : ""}`,
  ].join(", ");

const SYSTEM_LABELS = {
  b: "b: bare node:http",
  c: "c: gateway+BullMQ+worker",
  d: "d: node:http+Redis lists+worker",
} as const;
console.log("\n## Results\n");
console.log(
  "(a) is the best rows/s of raw session.run over batch sizes 1..256, with its time per run; it has no clients.",
);
console.log(
  `CPU speed: a fixed single-threaded loop timed just before and after the cell (the slower), against its fastest time in this run (${fmt(fastestProbeMs, 1)} ms; compare across runs); under 90% the host was slowing this machine down.`,
);
console.log(
  "Context switches count every thread of the client and the system's processes (Redis included for c and d).",
);
console.log(
  "CPU is in cores (CPU seconds per second) over the measured window; 'worker main' is the worker's main thread (BullMQ, job parsing, tensor packing), part of 'worker'; 'other' is everything else on the machine.\n",
);
console.log(
  "| model | clients | system | req/s | p50 ms | p99 ms | errors | CPU cores used | context switches/request | CPU speed |",
);
console.log("|---|---:|---|---:|---:|---:|---:|---|---:|---:|");
for (const model of models.filter((candidate) => raw.has(candidate.label))) {
  const { best } = raw.get(model.label)!;
  console.log(
    `| ${model.label} | – | a: raw, batch ${best.batchSize} | ${Math.round(best.rowsPerSecond).toLocaleString("en")} rows/s | ${fmt(best.msPerRun, 2)} per run | | | | | |`,
  );
  for (const concurrency of CONCURRENCY) {
    for (const system of ["b", "c", "d"] as const) {
      const cell = results.get(key(model, concurrency, system));
      if (!cell) continue;
      const label = SYSTEM_LABELS[system];
      console.log(
        `| ${model.label} | ${concurrency} | ${label} | ${Math.round(cell.throughput).toLocaleString("en")} | ${fmt(cell.p50Ms, 2)} | ${fmt(cell.p99Ms, 2)} | ${cell.errors} | ${cores(cell.cpu)} | ${fmt(cell.cpu.switchesPerSecond / cell.throughput, 1)} | ${fmt((100 * fastestProbeMs) / cell.probeMs, 0)}% |`,
      );
      if (cell.firstError)
        console.log(`|  |  | first error: ${cell.firstError.slice(0, 120)} | | | | | | | |`);
    }
  }
}

console.log("\n## Inside (c): batching and CPU per request\n");
console.log(
  "requests/job from BullMQ's job counter; rows/run is the request-weighted mean of the session run each request took part in (gateway counters rowsSum / ranRequests).\n",
);
console.log(
  "| model | clients | requests/job | rows/run | queue wait ms | compute ms/request | CPU ms per request |",
);
console.log("|---|---:|---:|---:|---:|---:|---|");
for (const model of models) {
  for (const concurrency of CONCURRENCY) {
    const cell = results.get(key(model, concurrency, "c"));
    if (!cell?.serving) continue;
    const { requestCount, jobs, batchSizeSum, batchCount, queueWaitSumUs, busyComputeUs } = cell.serving;
    const perRequest = Object.entries({ client: cell.cpu.client, ...cell.cpu.server }).map(
      ([name, value]) => `${name} ${fmt((value * 1000) / cell.throughput, 3)}`,
    );
    console.log(
      `| ${model.label} | ${concurrency} | ${fmt(requestCount / jobs, 1)} | ${fmt(batchSizeSum / batchCount, 1)} | ${fmt(queueWaitSumUs / batchCount / 1000, 2)} | ${fmt(busyComputeUs / batchCount / 1000, 3)} | ${perRequest.join(", ")} |`,
    );
  }
}

console.log("\n## Redis commands per job in (c)\n");
console.log(
  "From Redis's INFO commandstats over the measured window (Redis is shared: other users' commands count too): calls per job, and in brackets Redis's own µs per job; evalsha is BullMQ's Lua scripts.\n",
);
console.log("| model | clients | jobs/s | commands per job (µs of Redis per job) |");
console.log("|---|---:|---:|---|");
for (const model of models) {
  for (const concurrency of CONCURRENCY) {
    const cell = results.get(key(model, concurrency, "c"));
    if (!cell?.serving || !cell.redisCommands) continue;
    const jobs = cell.serving.jobs;
    const top = [...cell.redisCommands].sort((a, b) => b[1].calls - a[1].calls).slice(0, 6);
    const total = [...cell.redisCommands.values()].reduce(
      (sum, use) => ({ calls: sum.calls + use.calls, usec: sum.usec + use.usec }),
      { calls: 0, usec: 0 },
    );
    const listed = top
      .map(([command, use]) => `${command} ${fmt(use.calls / jobs, 1)} (${fmt(use.usec / jobs, 0)})`)
      .join(", ");
    console.log(
      `| ${model.label} | ${concurrency} | ${fmt(jobs / (durationMs / 1000), 0)} | all ${fmt(total.calls / jobs, 1)} (${fmt(total.usec / jobs, 0)}): ${listed} |`,
    );
  }
}

console.log("\n## Ratios\n");
console.log(
  "c/a divides by the best raw rows/s over batch sizes 1..256 (the target's a); the next column divides by raw at a batch as large as the number of clients, the most rows a closed loop can have in flight.\n",
);
console.log(
  "| model | clients | c/b req/s | c/a | c / raw at batch = clients | c/d req/s | p50(c) − p50(b) ms | p50(c) / p50(d) |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
const ratio = (model: BenchModel, concurrency: number) => {
  const [b, c, d] = (["b", "c", "d"] as const).map((system) => results.get(key(model, concurrency, system)));
  if (!raw.has(model.label)) return null;
  const { sweep, best } = raw.get(model.label)!;
  const atClients = sweep.find((row) => row.batchSize === concurrency)?.rowsPerSecond ?? NaN;
  return b && c && d
    ? {
        cOverB: c.throughput / b.throughput,
        cOverA: c.throughput / best.rowsPerSecond,
        cOverRawAtClients: c.throughput / atClients,
        cOverD: c.throughput / d.throughput,
        p50Delta: c.p50Ms - b.p50Ms,
        p50OverD: c.p50Ms / d.p50Ms,
      }
    : null;
};
for (const model of models) {
  for (const concurrency of CONCURRENCY) {
    const r = ratio(model, concurrency);
    if (r)
      console.log(
        `| ${model.label} | ${concurrency} | ${fmt(r.cOverB, 2)} | ${fmt(r.cOverA, 3)} | ${fmt(r.cOverRawAtClients, 3)} | ${fmt(r.cOverD, 3)} | ${fmt(r.p50Delta, 2)} | ${fmt(r.p50OverD, 2)} |`,
      );
  }
}

console.log("\n## Counting: counters on against off (same run, same worker)\n");
if (counting) {
  console.log(
    `ABBA windows of ${args["counting-seconds"]} s, ${args["counting-rounds"]} per side, ${COUNTING.label} at ${COUNTING.concurrency} clients; the off gateway runs with GATEWAY_COUNTERS=off.\n`,
  );
  console.log("| counters | req/s | gateway CPU ms/request | errors |\n|---|---:|---:|---:|");
  for (const side of ["on", "off"] as const)
    console.log(
      `| ${side} | ${Math.round(counting[side].throughput).toLocaleString("en")} | ${fmt(counting[side].cpuMsPerRequest, 3)} | ${counting[side].errors} |`,
    );
  console.log(
    `\nthroughput on/off ${fmt(counting.throughputRatio, 3)}; gateway CPU per request on/off ${fmt(counting.cpuPerRequestRatio, 3)}`,
  );
} else console.log("not measured (--only without `counting`)");

console.log("\n## Prediction log: sampling 10% against 0% (same run, same gateway)\n");
if (sampling) {
  console.log(
    `ABBA windows of ${args["counting-seconds"]} s, ${args["counting-rounds"]} per side, ${COUNTING.label} at ${COUNTING.concurrency} clients, to two deployments of the same version sampling ${DEFAULT_PREDICTION_SAMPLE_RATE * 100}% and 0%.\n`,
  );
  console.log("| sampling | req/s | gateway CPU ms/request | errors |\n|---|---:|---:|---:|");
  for (const [side, label] of [
    ["on", "10%"],
    ["off", "0%"],
  ] as const)
    console.log(
      `| ${label} | ${Math.round(sampling[side].throughput).toLocaleString("en")} | ${fmt(sampling[side].cpuMsPerRequest, 3)} | ${sampling[side].errors} |`,
    );
  console.log(
    `\nthroughput 10%/0% ${fmt(sampling.throughputRatio, 3)}; gateway CPU per request 10%/0% ${fmt(sampling.cpuPerRequestRatio, 3)}`,
  );
} else console.log("not measured (--only without `sampling`)");

console.log("\n## Targets\n");
const byLabel = (label: string) => MODELS.find((model) => model.label === label)!;
const targets: [string, () => number | undefined, (value: number) => boolean, string][] = [
  [
    "heavy-mlp, 64 clients: c/b >= 3",
    () => ratio(byLabel("heavy-mlp"), 64)?.cOverB,
    (value) => value >= 3,
    "x",
  ],
  [
    "heavy-mlp, 64 clients: c/a >= 0.6",
    () => ratio(byLabel("heavy-mlp"), 64)?.cOverA,
    (value) => value >= 0.6,
    "x",
  ],
  [
    "fraud-v1, 64 clients: c/b >= 0.5",
    () => ratio(byLabel("fraud-v1"), 64)?.cOverB,
    (value) => value >= 0.5,
    "x",
  ],
  [
    "fraud-v1, 1 client: p50(c) <= p50(b) + 3 ms",
    () => ratio(byLabel("fraud-v1"), 1)?.p50Delta,
    (value) => value <= 3,
    " ms",
  ],
  [
    "counting costs at most 3% of throughput: req/s on/off >= 0.97",
    () => counting?.throughputRatio,
    (value) => value >= 0.97,
    "x",
  ],
  [
    "sampling at 10% costs at most 3% of throughput: req/s 10%/0% >= 0.97",
    () => sampling?.throughputRatio,
    (value) => value >= 0.97,
    "x",
  ],
  [
    "heavy-mlp, 1 client: p50(c) <= p50(b) + 3 ms",
    () => ratio(byLabel("heavy-mlp"), 1)?.p50Delta,
    (value) => value <= 3,
    " ms",
  ],
  // Issue 12's (JSON tensors; the binary ones are not built yet).
  [
    "heavy-mlp, 64 clients: c/b >= 8",
    () => ratio(byLabel("heavy-mlp"), 64)?.cOverB,
    (value) => value >= 8,
    "x",
  ],
  [
    "fraud-v1, 64 clients: c/b >= 0.8",
    () => ratio(byLabel("fraud-v1"), 64)?.cOverB,
    (value) => value >= 0.8,
    "x",
  ],
  [
    "fraud-v1, 64 clients: c/d >= 0.9",
    () => ratio(byLabel("fraud-v1"), 64)?.cOverD,
    (value) => value >= 0.9,
    "x",
  ],
  [
    "fraud-v1, 1 client: p50(c) <= 1.3 x p50(d)",
    () => ratio(byLabel("fraud-v1"), 1)?.p50OverD,
    (value) => value <= 1.3,
    "x",
  ],
  [
    "heavy-mlp, 1 client: p50(c) <= 1.3 x p50(d)",
    () => ratio(byLabel("heavy-mlp"), 1)?.p50OverD,
    (value) => value <= 1.3,
    "x",
  ],
];
for (const [name, read, pass, unit] of targets) {
  const value = read();
  console.log(
    `- ${value === undefined ? "SKIP" : pass(value) ? "PASS" : "MISS"}  ${name}${value === undefined ? " (not measured)" : `: ${fmt(value, unit === "x" ? 3 : 2)}${unit}`}`,
  );
}
const noisy = [...results].filter(([, cell]) => cell.cpu.other > NOISY_OTHER_CORES).map(([name]) => name);
if (noisy.length > 0)
  console.log(
    `\nWARNING: other processes used more than ${NOISY_OTHER_CORES} cores during ${noisy.join(", ")}: run again on a quiet machine.`,
  );
const slowed = [...results].filter(([, cell]) => fastestProbeMs / cell.probeMs < 0.9).map(([name]) => name);
if (slowed.length > 0)
  console.log(
    `\nWARNING: the CPU ran under 90% of its best speed before ${slowed.join(", ")} (a busy host): run again.`,
  );

if (profileDir) {
  console.log(`\n## CPU profiles (${profileDir})\n`);
  for (const file of (await readdir(profileDir, { recursive: true }))
    .filter((name) => name.endsWith(".cpuprofile"))
    .sort()) {
    const summary = await summarizeProfile(path.join(profileDir, file));
    const idleMs = summary.byArea.find(([area]) => area === "(idle)")?.[1] ?? 0;
    if (summary.totalMs - idleMs > 1_000) console.log(formatSummary(file, summary, 25), "\n");
    else console.log(`${file}: under a second not idle (a loader or helper thread), left out\n`);
  }
}
console.log(`\nwhole run: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
