import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MINUTE_MS, minuteStartOf } from "@/server/contracts/live-counters";
import { getDb } from "@/server/db";
import { latencyBucketOf } from "@/server/domain/monitoring/latency-histogram";
import { US_PER_HOUR } from "@/server/domain/monitoring/cost";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { startGateway } from "@/server/gateway/start-gateway";
import { getRedis } from "@/server/redis";
import { foldTraffic } from "@/server/services/monitoring/fold-traffic";
import { readDemoFile } from "@/test/support/demo-files";
import { createHeavyDeployment } from "@/test/support/heavy-deployment";
import { stopNodeProcess, type BenchProcess } from "@/bench/processes";
import { ADMISSION_OFF, startGatewayProcess, startServingStack } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// Done-when 1 of issue 8, end to end: known traffic through a real gateway and a real serving
// worker process (errors of each kind the demo models can produce, and a shadow), the monitor's
// fold, then the tRPC read. Counts must be exact; p50/p95/p99 within one histogram bucket of what
// the client measured itself; cost per call from the worker's known price.

const api = callerFor();
/** $3.60 an hour, as the worker announces it. */
const PRICE_MICROS_PER_HOUR = 3_600_000;
const OK_REQUESTS = 40;
/**
 * Requests of 32 heavy-mlp rows take tens of ms: the client's own overhead is a small part of that.
 * Four hundred of them, so that the p99 is not one or two requests' that a busy machine delayed
 * alone (at a hundred, one pause of the client moved it a bucket in a loaded CI run).
 */
const TIMED_REQUESTS = 400;
const HEAVY_ROWS = 32;
const BAD_INPUTS = 4;
const DEADLINES = 3;
const ROWS = 32;
let stack: Awaited<ReturnType<typeof startServingStack>>;
let tight: Awaited<ReturnType<typeof startGateway>>;
/** A gateway of its own process for the timed requests: in this one, the client's work would be its. */
let timedGateway: BenchProcess & { url: string };
/** What the client measured of each timed request, send to last byte. */
const clientLatenciesUs: number[] = [];
/** The worker's timing of each timed request's session run (one run each), from `server-timing`. */
const workerRunsUs: number[] = [];
let overloaded = 0;
let crowdedOk = 0;
let unavailable = 0;

/** The minute that holds all the traffic: the one the charts' points are read from. */
let trafficMinute: number;

const fraudBody = (rows: number) =>
  JSON.stringify({
    inputs: [
      {
        name: "features",
        datatype: "FP32",
        shape: [rows, 14],
        data: Array.from({ length: rows * 14 }, (_, index) => Math.round(Math.sin(index) * 300) / 100),
      },
    ],
  });

async function send(baseUrl: string, name: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}/v2/models/${name}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  await response.arrayBuffer();
  return response;
}

const post = async (...args: Parameters<typeof send>) => (await send(...args)).status;

/** The compute stage of a `server-timing` header (`compute;dur=<ms>`), in µs. */
function computeUsOf(response: Response): number {
  const stage = response.headers
    .get("server-timing")
    ?.split(", ")
    .find((entry) => entry.startsWith("compute;dur="));
  return Number(stage?.slice("compute;dur=".length)) * 1000;
}

beforeAll(async () => {
  await api.model.create({ name: "card-fraud" });
  for (const file of ["fraud-v1.onnx", "fraud-v2.onnx"])
    await api.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: await readDemoFile(file) }));
  await api.deployment.create({ name: "watched", modelName: "card-fraud", versionNumber: 1 });
  await api.deployment.changeTraffic({ name: "watched", change: { kind: "addShadow", versionNumber: 2 } });
  // Bursts go here, so the watched deployment's latencies are the sequential requests' alone.
  await api.deployment.create({ name: "crowded", modelName: "card-fraud", versionNumber: 1 });
  await createHeavyDeployment();
  // The same version under another name: its first request loads the session, out of the timed ones.
  await api.deployment.create({ name: "heavy-warm-up", modelName: "heavy-mlp", versionNumber: 1 });
  // No worker takes CUDA jobs here: every request to this one is unavailable (503).
  await api.deployment.create({ name: "on-gpu", modelName: "card-fraud", versionNumber: 1, device: "cuda" });
  stack = await startServingStack({
    hostName: "watched-host",
    workerEnv: { WORKER_COST_MICROS_PER_HOUR: String(PRICE_MICROS_PER_HOUR) },
  });
  timedGateway = await startGatewayProcess(
    Object.fromEntries(Object.entries(ADMISSION_OFF).map(([name, value]) => [name, String(value)])),
  );
  // One row in flight per deployment: a burst gets 429s (overload).
  tight = await startGateway({
    ...readGatewayEnv(),
    ...ADMISSION_OFF,
    GATEWAY_MIN_PENDING_PER_DEPLOYMENT: 1,
    GATEWAY_MAX_PENDING_PER_DEPLOYMENT: 1,
    GATEWAY_PORT: 0,
    GATEWAY_HOST: "127.0.0.1",
  });

  // One at a time, so each answer's latency is the request's own, as the client measures it.
  const heavyBody = JSON.stringify({
    inputs: [
      {
        name: "input",
        shape: [HEAVY_ROWS, 512],
        datatype: "FP32",
        data: Array.from(
          { length: HEAVY_ROWS * 512 },
          (_, index) => Math.round(Math.sin(index) * 1000) / 1000,
        ),
      },
    ],
  });
  expect(await post(timedGateway.url, "heavy-warm-up", heavyBody)).toBe(200);
  // The traffic in one minute, after the setup (which took over 40 s on a loaded machine): past
  // its first 20 s, wait for the next.
  if (Date.now() % MINUTE_MS > 20_000)
    await new Promise((resolve) => setTimeout(resolve, MINUTE_MS - (Date.now() % MINUTE_MS)));
  trafficMinute = minuteStartOf(Date.now());
  for (let index = 0; index < OK_REQUESTS; index += 1)
    expect(await post(stack.gateway.url, "watched", fraudBody(ROWS))).toBe(200);
  for (let index = 0; index < TIMED_REQUESTS; index += 1) {
    const startedMs = performance.now();
    const response = await send(timedGateway.url, "heavy", heavyBody, { "x-timing": "true" });
    clientLatenciesUs.push((performance.now() - startedMs) * 1000);
    expect(response.status).toBe(200);
    workerRunsUs.push(computeUsOf(response));
  }
  for (let index = 0; index < BAD_INPUTS; index += 1)
    expect(await post(stack.gateway.url, "watched", JSON.stringify({ inputs: [] }))).toBe(400);
  for (let index = 0; index < DEADLINES; index += 1)
    expect(await post(stack.gateway.url, "watched", fraudBody(ROWS), { "x-timeout-ms": "1" })).toBe(504);
  const burst = await Promise.all(Array.from({ length: 30 }, () => post(tight.url, "crowded", fraudBody(1))));
  overloaded = burst.filter((status) => status === 429).length;
  crowdedOk = burst.filter((status) => status === 200).length;
  expect(overloaded).toBeGreaterThan(0);
  expect(overloaded + crowdedOk).toBe(burst.length);
  for (let index = 0; index < 2; index += 1)
    if ((await post(stack.gateway.url, "on-gpu", fraudBody(1))) === 503) unavailable += 1;
  expect(unavailable).toBe(2);

  expect(minuteStartOf(Date.now()), "the traffic took longer than the rest of its minute").toBe(
    trafficMinute,
  );
  // Gateways and the worker flush once a second; then the monitor folds what they wrote.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  await foldTraffic();
}, 180_000);

afterAll(async () => {
  await tight?.close();
  if (timedGateway) await stopNodeProcess(timedGateway);
  await stack?.stop();
  await getRedis().quit();
});

const exactPercentileUs = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
};

describe("monitoring end to end", () => {
  it("reads back through tRPC the exact counts of each kind, the shadow apart, and the latency percentiles", async () => {
    const charts = await api.monitoring.deploymentCharts({ name: "watched", range: "1h" });
    const pointOf = (versionNumber: number, role: "primary" | "shadow") =>
      charts.series
        .find((series) => series.versionNumber === versionNumber && series.role === role)
        ?.points.find((point) => point.bucketStartMs === trafficMinute);

    const primary = pointOf(1, "primary")!;
    // The demo models run any input that passes the signature: no model error to provoke here.
    expect(primary).toMatchObject({
      requests: OK_REQUESTS + BAD_INPUTS + DEADLINES,
      okRequests: OK_REQUESTS,
      errors: { badInput: BAD_INPUTS, modelError: 0, deadline: DEADLINES, overload: 0, unavailable: 0 },
    });
    // Every unpinned ok request was copied to the shadow, which answered it.
    expect(pointOf(2, "shadow")).toMatchObject({ requests: OK_REQUESTS, okRequests: OK_REQUESTS });
    expect(pointOf(2, "primary")?.requests ?? 0).toBe(0);

    const pointIn = async (name: string) =>
      (await api.monitoring.deploymentCharts({ name, range: "1h" })).series[0]!.points.find(
        (point) => point.bucketStartMs === trafficMinute,
      )!;
    expect(await pointIn("crowded")).toMatchObject({
      requests: crowdedOk + overloaded,
      okRequests: crowdedOk,
      errors: { overload: overloaded },
    });
    expect(await pointIn("on-gpu")).toMatchObject({ requests: unavailable, errors: { unavailable } });

    // The gateway's latency is inside the client's (which adds loopback and its own event loop):
    // the percentiles the console reads are within one bucket of the client's.
    const heavy = await pointIn("heavy");
    expect(heavy.okRequests).toBe(TIMED_REQUESTS);
    const timed = [...clientLatenciesUs];
    for (const [q, field] of [
      [0.5, "latencyP50Us"],
      [0.95, "latencyP95Us"],
      [0.99, "latencyP99Us"],
    ] as const) {
      const client = exactPercentileUs(timed, q);
      const read = heavy[field]!;
      expect(
        Math.abs(latencyBucketOf(read) - latencyBucketOf(client)),
        `${field}: ${read} vs ${client} µs`,
      ).toBeLessThanOrEqual(1);
    }
  });

  it("sets the heavy version's session-run p50 (the worker's timing) beside its answers' p50", async () => {
    const overhead = await api.monitoring.deploymentOverhead({ name: "heavy", range: "1h" });
    expect(overhead.versions).toHaveLength(1);
    const [heavy] = overhead.versions;
    // One request at a time, one run each: as many runs as requests, of the request's rows.
    expect(heavy).toMatchObject({ role: "primary", requests: TIMED_REQUESTS, runs: TIMED_REQUESTS });
    expect(heavy!.rowsPerRun).toBe(HEAVY_ROWS);
    const workerP50Us = exactPercentileUs(workerRunsUs, 0.5);
    expect(
      Math.abs(latencyBucketOf(heavy!.runP50Us!) - latencyBucketOf(workerP50Us)),
      `run p50: ${heavy!.runP50Us} vs the worker's ${workerP50Us} µs`,
    ).toBeLessThanOrEqual(1);
    // Each answer waited on its run: the median answer is no faster than the median run.
    expect(heavy!.answeredP50Us!).toBeGreaterThanOrEqual(heavy!.runP50Us!);
    expect(heavy!.addedUs).toBe(heavy!.answeredP50Us! - heavy!.runP50Us!);
    expect(heavy!.addedShare).toBeCloseTo(heavy!.addedUs! / heavy!.answeredP50Us!, 12);

    // The watched deployment: the shadow in a row of its own, labelled so.
    const watched = await api.monitoring.deploymentOverhead({ name: "watched", range: "1h" });
    expect(watched.versions.map((row) => [row.versionNumber, row.role])).toEqual([
      [1, "primary"],
      [2, "shadow"],
    ]);
    for (const row of watched.versions) {
      expect(row.runs, `v${row.versionNumber} ran`).toBeGreaterThan(0);
      expect(row.runP50Us).not.toBeNull();
    }
  });

  it("prices the minute from the worker's known price: busy cost is compute time at that price", async () => {
    const charts = await api.monitoring.deploymentCharts({ name: "watched", range: "1h" });
    const rows = await getDb().metricRollup.findMany({
      where: {
        granularity: "minute",
        bucketStart: new Date(trafficMinute),
        deployment: { name: "watched" },
      },
      select: { modelVersion: { select: { number: true } }, busyComputeUs: true, busyCostMicros: true },
    });
    for (const version of charts.versions) {
      const point = version.points.find((entry) => entry.bucketStartMs === trafficMinute)!;
      const busyUs = rows
        .filter((row) => row.modelVersion.number === version.versionNumber)
        .reduce((sum, row) => sum + Number(row.busyComputeUs), 0);
      expect(busyUs, `v${version.versionNumber} ran`).toBeGreaterThan(0);
      expect(point.busyCostMicros).toBe(Math.round((busyUs * PRICE_MICROS_PER_HOUR) / US_PER_HOUR));
      // The host's time is shared between the versions that ran: never more than its minute.
      expect(point.allocatedCostMicros).toBeGreaterThanOrEqual(point.busyCostMicros);
      expect(point.allocatedCostMicros).toBeLessThanOrEqual(PRICE_MICROS_PER_HOUR / 60);
      expect(point.allocatedCostPerCallMicros).toBeCloseTo(point.allocatedCostMicros / point.requests, 9);
    }
  });
});
