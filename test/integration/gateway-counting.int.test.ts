import { promtoolCheck, requirePromtool } from "@/test/support/promtool";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ERROR_KINDS,
  TRAFFIC_MINUTES_KEY,
  decodeTrafficHash,
  emptyRoleCounts,
  emptyRunCounts,
  parseTrafficMinuteMember,
  type RoleCounts,
  type RunCounts,
} from "@/server/contracts/live-counters";
import { getDb } from "@/server/db";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { startGateway } from "@/server/gateway/start-gateway";
import { getRedis } from "@/server/redis";
import { readDemoFile } from "@/test/support/demo-files";
import { freePort } from "@/test/support/free-port";
import { scanKeys } from "@/test/support/redis-keys";
import { ADMISSION_OFF, startServingStack } from "@/test/support/serving-stack";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";

// Counting end to end: known traffic of every kind through real gateways (one in this process as
// start-gateway wires it, one with tight limits) and a real serving worker process; the live
// counters read back from Redis must be exactly what the clients saw, and the Prometheus output of
// both processes must pass `promtool check metrics` and agree with them.

const api = callerFor();
type Gateway = Awaited<ReturnType<typeof startGateway>>;
let stack: Awaited<ReturnType<typeof startServingStack>>;
let gateway: Gateway;
/** Limits of one row in flight per deployment and 4 KiB bodies: 429s and 413s on demand. */
let tight: Gateway;
let workerMetricsUrl: string;
const workerLines: string[] = [];

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

beforeAll(async () => {
  requirePromtool();
  await api.model.create({ name: "card-fraud" });
  for (const file of ["fraud-v1.onnx", "fraud-v2.onnx", "fraud-v3.onnx"])
    await api.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: await readDemoFile(file) }));
  await api.deployment.create({ name: "counted", modelName: "card-fraud", versionNumber: 1 });
  await api.deployment.changeTraffic({ name: "counted", change: { kind: "addShadow", versionNumber: 3 } });
  await api.deployment.create({ name: "crowded", modelName: "card-fraud", versionNumber: 2 });
  await api.deployment.create({ name: "on-gpu", modelName: "card-fraud", versionNumber: 1, device: "cuda" });

  const workerPort = await freePort();
  stack = await startServingStack({
    hostName: "counting-host",
    workerEnv: { WORKER_METRICS_PORT: String(workerPort) },
  });
  workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
  stack.worker.stdout!.on("data", (chunk: Buffer) => workerLines.push(...chunk.toString().split("\n")));
  gateway = stack.gateway;
  tight = await startGateway({
    ...readGatewayEnv(),
    ...ADMISSION_OFF,
    GATEWAY_MIN_PENDING_PER_DEPLOYMENT: 1,
    GATEWAY_MAX_PENDING_PER_DEPLOYMENT: 1,
    GATEWAY_MAX_BODY_BYTES: 4096,
    GATEWAY_PORT: 0,
    GATEWAY_HOST: "127.0.0.1",
  });
});

afterAll(async () => {
  await tight?.close();
  await stack?.stop();
  await getRedis().quit();
});

/** Rows of the 14 fraud features. */
const rows = (count: number, seed = 1) =>
  Array.from({ length: count }, (_, row) =>
    Array.from({ length: 14 }, (_, column) => Math.round(Math.sin(seed * 31 + row * 7 + column) * 300) / 100),
  );
const fraudBody = (count: number, seed = 1) =>
  JSON.stringify({
    inputs: [{ name: "features", datatype: "FP32", shape: [count, 14], data: rows(count, seed).flat() }],
  });

async function post(
  base: string,
  route: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const response = await fetch(`${base}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  await response.arrayBuffer();
  return response;
}

async function deploymentId(name: string): Promise<string> {
  return (await getDb().deployment.findFirstOrThrow({ where: { name }, select: { id: true } })).id;
}

async function versionId(number: number): Promise<string> {
  return (await getDb().modelVersion.findFirstOrThrow({ where: { number }, select: { id: true } })).id;
}

function addCounts<T extends RoleCounts | RunCounts>(into: T, other: T): T {
  for (const [key, value] of Object.entries(other) as [keyof T, unknown][]) {
    if (typeof value === "number") (into[key] as number) += value;
    else if (Array.isArray(value)) (value as number[]).forEach((n, i) => ((into[key] as number[])[i]! += n));
    else
      for (const [sub, n] of Object.entries(value as Record<string, number>))
        (into[key] as Record<string, number>)[sub]! += n;
  }
  return into;
}

/** A deployment's counters summed over every minute it has (traffic may straddle a minute). */
async function countersOf(name: string) {
  const id = await deploymentId(name);
  const prefix = readGatewayEnv().REDIS_KEY_PREFIX;
  const keys = (await scanKeys(getRedis(), `${prefix}traffic:${id}:*`)).map((key) =>
    key.slice(prefix.length),
  );
  const byVersion = new Map<string, { primary: RoleCounts; shadow: RoleCounts; runs: RunCounts }>();
  for (const key of keys)
    for (const [version, minute] of decodeTrafficHash(await getRedis().hgetall(key))) {
      let sum = byVersion.get(version);
      if (!sum)
        byVersion.set(
          version,
          (sum = { primary: emptyRoleCounts(), shadow: emptyRoleCounts(), runs: emptyRunCounts() }),
        );
      addCounts(sum.primary, minute.roles.primary);
      addCounts(sum.shadow, minute.roles.shadow);
      addCounts(sum.runs, minute.runs);
    }
  const indexed = (await getRedis().zrange(TRAFFIC_MINUTES_KEY, 0, -1))
    .map(parseTrafficMinuteMember)
    .filter((member) => member?.deploymentId === id).length;
  return { keys: keys.length, indexed, of: (version: string) => byVersion.get(version) };
}

/** Polls until `check` holds (the gateways and the worker flush once a second). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const sum = (histogram: number[]) => histogram.reduce((total, count) => total + count, 0);

/** A sample's value in Prometheus's text output, or 0 when the series is not there. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split("\n")) {
    if (wanted.length === 0 && line.startsWith(`${name} `)) return Number(line.slice(name.length + 1));
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf("}"));
    const have = labelText.split(",");
    if (wanted.every((pair) => have.includes(pair)) && have.length === wanted.length)
      return Number(line.slice(line.indexOf("}") + 1).trim());
  }
  return 0;
}

const metricsOf = async (url: string) => (await fetch(url)).text();

describe("counting known traffic", () => {
  /** What the clients saw, by deployment, version number and outcome. */
  const seen = { ok: 0, okRows: 0, badInput: 0, deadline: 0, pinnedOk: 0, shadowedRows: 0 };
  const crowded = { ok: 0, overload: 0 };
  let unavailable = 0;

  beforeAll(async () => {
    const route = "/v2/models/counted/infer";
    // Sequential ok requests of 1 to 3 rows: each its own job, sent at once (idle).
    for (let i = 0; i < 9; i++) {
      const count = 1 + (i % 3);
      const response = await post(gateway.url, route, fraudBody(count, i));
      expect(response.status).toBe(200);
      seen.ok += 1;
      seen.okRows += count;
      seen.shadowedRows += count;
    }
    // Pinned to v1: counted the same, but not copied to the shadow.
    expect((await post(gateway.url, "/v2/models/counted/versions/1/infer", fraudBody(2))).status).toBe(200);
    seen.ok += 1;
    seen.okRows += 2;
    seen.pinnedOk += 1;
    // Loaded by the tight gateway too, whose counts add to the same minute hashes (pinned, so its
    // shadow copy, which runs only while the deployment has room, cannot vary the counts).
    expect((await post(tight.url, "/v2/models/counted/versions/1/infer", fraudBody(1))).status).toBe(200);
    seen.ok += 1;
    seen.okRows += 1;
    seen.pinnedOk += 1;

    // Bad inputs of every path: the signature, the JSON, the content type, a header, an unknown
    // version, and a body over the tight gateway's 4 KiB.
    const bad = [
      await post(
        gateway.url,
        route,
        JSON.stringify({ inputs: [{ name: "features", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }] }),
      ),
      await post(gateway.url, route, "{not json"),
      await post(gateway.url, route, "<inputs/>", { "content-type": "application/xml" }),
      await post(gateway.url, route, fraudBody(1), { "x-timeout-ms": "soon" }),
      await post(gateway.url, "/v2/models/counted/versions/9/infer", fraudBody(1)),
      await post(tight.url, route, fraudBody(120)),
    ];
    expect(bad.map((response) => response.status)).toEqual([400, 400, 415, 400, 404, 413]);
    seen.badInput += bad.length;

    // Deadlines: a millisecond is gone before a job could come back.
    for (let i = 0; i < 3; i++) {
      const response = await post(gateway.url, route, fraudBody(1), { "x-timeout-ms": "1" });
      expect(response.status).toBe(504);
      seen.deadline += 1;
    }

    // One row in flight at most on the tight gateway: a burst is mostly refused with 429, on
    // arrival or at admission; whatever the split, each answer is counted once.
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(tight.url, "/v2/models/crowded/infer", fraudBody(1, i))),
    );
    for (const response of burst) {
      if (response.status === 200) crowded.ok += 1;
      else if (response.status === 429) crowded.overload += 1;
      else throw new Error(`unexpected ${response.status} in the burst`);
    }

    // No worker serves CUDA here: every request is unavailable (503).
    for (let i = 0; i < 2; i++) {
      expect((await post(gateway.url, "/v2/models/on-gpu/infer", fraudBody(1))).status).toBe(503);
      unavailable += 1;
    }
  });

  it("counts each request once under the version it was routed to, by outcome", async () => {
    const [v1, v3] = [await versionId(1), await versionId(3)];
    const routedOk = seen.ok - seen.pinnedOk;
    const counters = await eventually(
      () => countersOf("counted"),
      (found) =>
        found.of(v1)?.primary.requests === seen.ok + seen.badInput + seen.deadline &&
        found.of(v3)?.shadow.requests === routedOk &&
        found.of(v1)?.runs.runRowsSum === seen.okRows &&
        found.of(v3)?.runs.runRowsSum === seen.shadowedRows,
    );
    const primary = counters.of(v1)!.primary;
    expect(primary.requests).toBe(seen.ok + seen.badInput + seen.deadline);
    expect(primary.okRequests).toBe(seen.ok);
    expect(primary.errors).toEqual({
      ...Object.fromEntries(ERROR_KINDS.map((kind) => [kind, 0])),
      badInput: seen.badInput,
      deadline: seen.deadline,
    });
    // Histograms hold the answered requests (latency) and those that ran (queue wait, compute).
    expect(sum(primary.latency)).toBe(seen.ok);
    expect(primary.ranRequests).toBe(seen.ok);
    expect(sum(primary.queueWait)).toBe(seen.ok);
    expect(sum(primary.compute)).toBe(seen.ok);
    expect(primary.rowsSum).toBe(seen.okRows);
    // The shadow's copies are its own role, never the callers' requests.
    expect(counters.of(v3)!.primary.requests).toBe(0);
    expect(counters.of(v3)!.shadow).toMatchObject({ requests: routedOk, okRequests: routedOk });
    expect(counters.of(v1)!.shadow.requests).toBe(0);
    // Each minute hash is in the monitor's index.
    expect(counters.indexed).toBe(counters.keys);
  });

  it("counts jobs by why they left and each session run once, on the worker", async () => {
    const [v1, v3] = [await versionId(1), await versionId(3)];
    const counters = await countersOf("counted");
    const runs = counters.of(v1)!.runs;
    // Sequential requests: nothing was ever in flight when one arrived, so every job left at once.
    expect(runs.jobs.full).toBe(0);
    expect(runs.jobs.timer).toBe(0);
    expect(runs.jobs.idle).toBeGreaterThanOrEqual(seen.ok);
    // Every ok request ran in one session run of its own (sequential, so nothing to merge).
    expect(runs.runs).toBe(seen.ok);
    expect(runs.runRowsSum).toBe(seen.okRows);
    expect(runs.busyComputeUs).toBeGreaterThan(0);
    // The shadow's copies queue on the worker while its session loads, and merge into fewer runs.
    const shadowRuns = counters.of(v3)!.runs;
    expect(shadowRuns.runRowsSum).toBe(seen.shadowedRows);
    expect(shadowRuns.runs).toBeGreaterThanOrEqual(1);
    expect(shadowRuns.runs).toBeLessThanOrEqual(seen.ok - seen.pinnedOk);
  });

  it("counts a deployment's 429s as overload and a deployment nobody can serve as unavailable", async () => {
    const v2 = await versionId(2);
    const v1 = await versionId(1);
    expect(crowded.overload).toBeGreaterThan(0);
    const found = await eventually(
      () => countersOf("crowded"),
      (counters) => counters.of(v2)?.primary.requests === crowded.ok + crowded.overload,
    );
    expect(found.of(v2)!.primary).toMatchObject({
      requests: crowded.ok + crowded.overload,
      okRequests: crowded.ok,
      errors: { badInput: 0, modelError: 0, deadline: 0, overload: crowded.overload, unavailable: 0 },
    });
    const gpu = await eventually(
      () => countersOf("on-gpu"),
      (counters) => counters.of(v1)?.primary.requests === unavailable,
    );
    expect(gpu.of(v1)!.primary).toMatchObject({
      requests: unavailable,
      okRequests: 0,
      errors: { unavailable },
    });
  });

  it("serves Prometheus metrics that pass promtool and add up to the live counters", async () => {
    const [main, second, worker] = await Promise.all([
      metricsOf(`${gateway.url}/metrics`),
      metricsOf(`${tight.url}/metrics`),
      metricsOf(workerMetricsUrl),
    ]);
    for (const text of [main, second, worker]) {
      const check = await promtoolCheck(text);
      expect(check.output).toBe("");
      expect(check.code).toBe(0);
    }
    const labels = { deployment: "counted", version: "1", role: "primary" };
    const both = (name: string, extra: Record<string, string> = {}) =>
      sample(main, name, { ...labels, ...extra }) + sample(second, name, { ...labels, ...extra });
    expect(both("mlops_inference_requests_total", { outcome: "ok" })).toBe(seen.ok);
    expect(both("mlops_inference_requests_total", { outcome: "badInput" })).toBe(seen.badInput);
    expect(both("mlops_inference_requests_total", { outcome: "deadline" })).toBe(seen.deadline);
    expect(both("mlops_inference_request_duration_seconds_count")).toBe(seen.ok);
    expect(both("mlops_inference_request_duration_seconds_bucket", { le: "+Inf" })).toBe(seen.ok);
    expect(both("mlops_inference_compute_seconds_count")).toBe(seen.ok);
    expect(
      sample(main, "mlops_inference_requests_total", {
        deployment: "counted",
        version: "3",
        role: "shadow",
        outcome: "ok",
      }),
    ).toBe(seen.ok - seen.pinnedOk);
    expect(
      sample(second, "mlops_inference_requests_total", {
        deployment: "crowded",
        version: "2",
        role: "primary",
        outcome: "overload",
      }),
    ).toBe(crowded.overload);
    // Nothing is in flight between the tests (a scrape, never refused, is not counted).
    expect(sample(main, "mlops_gateway_in_flight_requests", {})).toBe(0);
    expect(main).toMatch(/^mlops_serving_queue_waiting_jobs\{device="cpu"\} \d+$/m);
    const v1Runs = (await countersOf("counted")).of(await versionId(1))!.runs;
    expect(sample(worker, "mlops_session_run_rows_count", { deployment: "counted", version: "1" })).toBe(
      v1Runs.runs,
    );
    expect(sample(worker, "mlops_session_run_rows_sum", { deployment: "counted", version: "1" })).toBe(
      v1Runs.runRowsSum,
    );
    expect(worker).toMatch(/^mlops_worker_session_memory_bytes [1-9]\d*$/m);
  });
});

describe("gateway-wide refusals", () => {
  it("counts 503s of a full gateway in Prometheus only, by reason", async () => {
    const full = await startGateway({
      ...readGatewayEnv(),
      ...ADMISSION_OFF,
      GATEWAY_MAX_IN_FLIGHT: 1,
      GATEWAY_PORT: 0,
      GATEWAY_HOST: "127.0.0.1",
    });
    try {
      const before = await countersOf("counted");
      const [v1] = [await versionId(1)];
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => post(full.url, "/v2/models/counted/versions/1/infer", fraudBody(1))),
      );
      const refused = answers.filter((answer) => answer.status === 503).length;
      const answered = answers.filter((answer) => answer.status === 200).length;
      expect(refused).toBeGreaterThan(0);
      expect(refused + answered).toBe(answers.length);
      const okSample = (text: string) =>
        sample(text, "mlops_inference_requests_total", {
          deployment: "counted",
          version: "1",
          role: "primary",
          outcome: "ok",
        });
      // Counts reach Prometheus with the once-a-second fold, like Redis.
      const metrics = await eventually(
        () => metricsOf(`${full.url}/metrics`),
        (text) => okSample(text) === answered,
      );
      expect(sample(metrics, "mlops_gateway_refusals_total", { reason: "in_flight" })).toBe(refused);
      expect(okSample(metrics)).toBe(answered);
      // Before the deployment was known: not in its minute hashes, where only the answered land.
      const after = await eventually(
        () => countersOf("counted"),
        (counters) => counters.of(v1)!.primary.requests === before.of(v1)!.primary.requests + answered,
      );
      expect(after.of(v1)!.primary.requests).toBe(before.of(v1)!.primary.requests + answered);
    } finally {
      await full.close();
    }
  });
});

describe("GATEWAY_COUNTERS=off (for the bench)", () => {
  it("serves without counting anything", async () => {
    const uncounted = await startGateway({
      ...readGatewayEnv(),
      ...ADMISSION_OFF,
      GATEWAY_COUNTERS: "off",
      GATEWAY_PORT: 0,
      GATEWAY_HOST: "127.0.0.1",
    });
    try {
      const v2 = await versionId(2);
      const before = (await countersOf("crowded")).of(v2)!.primary.requests;
      for (let i = 0; i < 3; i++)
        expect((await post(uncounted.url, "/v2/models/crowded/infer", fraudBody(1))).status).toBe(200);
      // Past a flush of this gateway's (once a second) and any other's.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await countersOf("crowded")).of(v2)!.primary.requests).toBe(before);
      const metrics = await metricsOf(`${uncounted.url}/metrics`);
      expect(metrics).toContain("# TYPE mlops_inference_requests_total counter");
      expect(metrics).not.toMatch(/^mlops_inference_requests_total\{/m);
    } finally {
      await uncounted.close();
    }
  });
});

describe("trace context and stage timings", () => {
  it("carries a valid traceparent to the worker and back, with stage timings when asked", async () => {
    const traceparent = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
    const response = await post(gateway.url, "/v2/models/counted/infer", fraudBody(1), {
      traceparent,
      "x-timing": "true",
    });
    expect(response.status).toBe(200);
    const answered = response.headers.get("traceparent")!;
    // The same trace, the gateway's own span.
    expect(answered).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(answered).not.toBe(traceparent);

    const stages = Object.fromEntries(
      response.headers
        .get("server-timing")!
        .split(", ")
        .map((entry) => {
          const [name, duration] = entry.split(";dur=");
          return [name!, Number(duration)];
        }),
    );
    expect(Object.keys(stages)).toEqual(["parse", "batch", "queue", "compute", "total"]);
    expect(stages.compute).toBeGreaterThan(0);
    // Stages come one after the other within the total (each rounded to 0.01 ms).
    expect(stages.parse! + stages.batch! + stages.queue! + stages.compute!).toBeLessThanOrEqual(
      stages.total! + 0.05,
    );

    const logged = await eventually(
      async () => workerLines.filter((line) => line.includes('"msg":"traced requests ran"')),
      (lines) => lines.some((line) => line.includes(answered)),
    );
    const entry = JSON.parse(logged.find((line) => line.includes(answered))!) as Record<string, unknown>;
    expect(entry).toMatchObject({ traceparents: [answered], batchRows: 1 });
  });

  it("ignores a malformed traceparent and answers without timings unless asked", async () => {
    const response = await post(gateway.url, "/v2/models/counted/infer", fraudBody(1), {
      traceparent: "00-not-a-trace-01",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("traceparent")).toBeNull();
    expect(response.headers.get("server-timing")).toBeNull();
  });
});
