import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processCpuSeconds, stopNodeProcess, type BenchProcess } from "@/bench/processes";
import { getRedis } from "@/server/redis";
import { createFraudDeployment } from "@/test/support/fraud-deployment";
import {
  closedLoop,
  countByStatus,
  openLoop,
  percentileMs,
  type SentRequest,
  type TrafficTarget,
} from "@/test/support/request-traffic";
import {
  ADMISSION_OFF,
  removeServingQueues,
  serveArtifacts,
  startGatewayProcess,
  startWorkerProcess,
  stopProcess,
} from "@/test/support/serving-stack";

// Done-when 4 of issue 7: twice the measured capacity for 30 s. The gateway and a worker run as
// production runs them, each in its own process; this process is the clients. Capacity is what
// a closed loop of CAPACITY_CLIENTS clients completes per second; the overload is an open loop
// at twice that, arrivals that do not wait for answers, as independent users arrive. What noise
// cannot change is asserted: every request answered, within its deadline, 200 or shed with
// 429/503 and `retry-after`, the gateway's RSS under 400 MB. The latencies are recorded (printed
// at the end, copied into docs/RELIABILITY.md) and held only to loose bounds: on two cores shared
// with other test runs, this process's own event loop adds to every latency it measures.

const DEADLINE_MS = 2_000;
/** A request answered later than its deadline plus this is a failure (the clients' own delay). */
const DEADLINE_MARGIN_MS = 1_000;
const UNLOADED_CLIENTS = 4;
/** Enough clients that the closed loop is bound by the stack's throughput, not its round trips. */
const CAPACITY_CLIENTS = 64;
const OVERLOAD_MS = 30_000;
const MAX_GATEWAY_RSS_BYTES = 400 * 1024 * 1024;
const ROW = [0.4, -1.2, 2.5, 0.1, 0, 1, -0.3, 0.8, 1.9, -2.2, 0.05, 0.7, -0.6, 1.1];
/**
 * Rows per request: the deployment's default batch size, so each request is one job and the
 * stack's CPU (gateway, Redis, worker) saturates at a rate this one client process can double.
 * With one row per request the stack batches them and serves more (3.5k/s here) than this
 * process can offer twice over on a shared core.
 */
const ROWS_PER_REQUEST = 32;

let artifacts: Awaited<ReturnType<typeof serveArtifacts>>;
let worker: ChildProcess;
let gateway: BenchProcess & { url: string };

function targetOf(gatewayUrl: string): TrafficTarget {
  return {
    url: `${gatewayUrl}/v2/models/fraud/infer`,
    body: Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: "features",
            shape: [ROWS_PER_REQUEST, ROW.length],
            datatype: "FP32",
            data: Array.from({ length: ROWS_PER_REQUEST }, () => ROW).flat(),
          },
        ],
      }),
    ),
    clientTimeoutMs: DEADLINE_MS + DEADLINE_MARGIN_MS + 5_000,
    headers: { "x-timeout-ms": String(DEADLINE_MS) },
  };
}

beforeAll(async () => {
  await createFraudDeployment();
  artifacts = await serveArtifacts();
  worker = await startWorkerProcess({ hostName: "overload-host", artifactSourceUrl: artifacts.url });
});

afterAll(async () => {
  if (gateway) await stopNodeProcess(gateway);
  if (worker) await stopProcess(worker);
  await artifacts?.close();
  await removeServingQueues();
  await getRedis().quit();
});

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

/** CPU seconds used so far by this process (the clients), the gateway and the worker. */
function cpuSeconds() {
  const own = process.cpuUsage();
  return {
    clients: (own.user + own.system) / 1e6,
    gateway: processCpuSeconds(gateway.child.pid!),
    worker: processCpuSeconds(worker.pid!),
  };
}

const ok = (requests: SentRequest[]) => requests.filter((request) => request.status === 200);
const shed = (requests: SentRequest[]) => requests.filter((request) => [429, 503].includes(request.status));
const round = (value: number) => Math.round(value * 10) / 10;

describe("twice the measured capacity for 30 s", () => {
  it("answers every request within its deadline, sheds the surplus with 429/503 at once, and keeps the admitted fast", async () => {
    // Capacity as the issue measured it: the stack with admission off, at enough clients.
    gateway = await startGatewayProcess(
      Object.fromEntries(Object.entries(ADMISSION_OFF).map(([name, value]) => [name, String(value)])),
    );
    // Warm-up: the worker loads the model, both processes compile their hot paths.
    await closedLoop(targetOf(gateway.url), { clients: UNLOADED_CLIENTS, durationMs: 2_000 });
    const capacityMs = 5_000;
    const atCapacity = await closedLoop(targetOf(gateway.url), {
      clients: CAPACITY_CLIENTS,
      durationMs: capacityMs,
    });
    const capacityPerSecond = (ok(atCapacity).length / capacityMs) * 1000;
    await stopNodeProcess(gateway);

    gateway = await startGatewayProcess();
    const target = targetOf(gateway.url);
    await closedLoop(target, { clients: UNLOADED_CLIENTS, durationMs: 1_000 });
    // A few may be shed even now: another process's burst on these two cores can hold this
    // gateway's event loop past its limit. The baseline is the latency of the answered.
    const unloaded = ok(await closedLoop(target, { clients: UNLOADED_CLIENTS, durationMs: 3_000 }));
    const unloadedP99Ms = percentileMs(unloaded, 0.99);

    const cpuBefore = cpuSeconds();
    let maxRssBytes = rssBytes(gateway.child.pid!);
    const sampler = setInterval(
      () => (maxRssBytes = Math.max(maxRssBytes, rssBytes(gateway.child.pid!))),
      250,
    );
    const overloadRate = Math.round(2 * capacityPerSecond);
    const overload = await openLoop(target, { ratePerSecond: overloadRate, durationMs: OVERLOAD_MS });
    clearInterval(sampler);
    const cpuAfter = cpuSeconds();
    const coresUsed = (name: keyof typeof cpuAfter) =>
      (cpuAfter[name] - cpuBefore[name]) / (OVERLOAD_MS / 1000);

    const admitted = ok(overload);
    const refused = shed(overload);
    const figures = {
      unloaded: { requests: unloaded.length, p50Ms: percentileMs(unloaded, 0.5), p99Ms: unloadedP99Ms },
      capacity: {
        clients: CAPACITY_CLIENTS,
        perSecond: Math.round(capacityPerSecond),
        p99Ms: percentileMs(atCapacity, 0.99),
        statuses: countByStatus(atCapacity),
      },
      overload: {
        perSecond: overloadRate,
        statuses: countByStatus(overload),
        admittedPerSecond: Math.round((admitted.length / OVERLOAD_MS) * 1000),
        admittedP50Ms: percentileMs(admitted, 0.5),
        admittedP99Ms: percentileMs(admitted, 0.99),
        admittedP99OverUnloadedP99: percentileMs(admitted, 0.99) / unloadedP99Ms,
        shedP50Ms: percentileMs(refused, 0.5),
        shedP99Ms: percentileMs(refused, 0.99),
        slowestMs: percentileMs(overload, 1),
        maxGatewayRssMb: maxRssBytes / 1024 / 1024,
        cores: { clients: coresUsed("clients"), gateway: coresUsed("gateway"), worker: coresUsed("worker") },
      },
    };
    console.log(
      "overload figures",
      JSON.stringify(figures, (_key, value: unknown) => (typeof value === "number" ? round(value) : value)),
    );

    // Every request answered: no socket error, no client timeout, no 5xx but the shedding 503.
    const errors = overload.filter((request) => request.status === 0).map((request) => request.error);
    expect(errors.slice(0, 5), `${errors.length} requests got no answer`).toEqual([]);
    expect(
      Object.keys(countByStatus(overload)).filter((status) => !["200", "429", "503"].includes(status)),
    ).toEqual([]);
    // Not Math.max(...latencies): 130,000 arguments overflow the call stack.
    expect(figures.overload.slowestMs).toBeLessThan(DEADLINE_MS + DEADLINE_MARGIN_MS);
    // Each refusal says when to come back. How many were refused is recorded, not asserted: it is
    // the surplus over what the machine served at that moment, and other processes share it.
    expect(refused.filter((request) => request.retryAfter === null)).toEqual([]);
    expect(admitted.length).toBeGreaterThan(0);
    expect(maxRssBytes).toBeLessThan(MAX_GATEWAY_RSS_BYTES);
  });
});
