import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ERROR_KINDS,
  MINUTE_MS,
  encodeJobRelease,
  encodeRequestObservation,
  encodeSessionRun,
  minuteStartOf,
  type RequestObservation,
} from "@/server/contracts/live-counters";
import { getDb } from "@/server/db";
import {
  LATENCY_BOUNDS_US,
  emptyHistogram,
  latencyBucketOf,
  percentileUs,
} from "@/server/domain/monitoring/latency-histogram";
import { createPrng } from "@/server/domain/prng";
import { getRedis } from "@/server/redis";
import { FOLD_SETTLE_MS, foldTraffic } from "@/server/services/monitoring/fold-traffic";
import { readDemoFile } from "@/test/support/demo-files";
import { writeTrafficIncrements } from "@/test/support/traffic-hashes";
import { callerFor, createTeam, uploadForm } from "@/test/support/trpc-caller";

const api = callerFor();
const db = getDb();
// The charts read the clock: start early in a minute, so the open minute is the same one throughout.
if (Date.now() % MINUTE_MS > 30_000)
  await new Promise((resolve) => setTimeout(resolve, MINUTE_MS - (Date.now() % MINUTE_MS)));
const nowMs = Date.now();
const openMinute = minuteStartOf(nowMs);
/** A closed minute of the last hour, and one of an hour long closed (for the hour rows). */
const closedMinute = openMinute - 5 * MINUTE_MS;
const oldMinute = openMinute - 4 * 60 * MINUTE_MS;
const random = createPrng(8);
const latenciesUs = Array.from({ length: 400 }, () => Math.round(800 + 30_000 * random.next() ** 4));
const PRIMARY_ERRORS = { badInput: 3, modelError: 2, deadline: 4, overload: 5, unavailable: 1 };
let v1: string;
let v2: string;

const ok = (versionId: string, role: "primary" | "shadow", latencyUs: number): RequestObservation => ({
  versionId,
  role,
  error: null,
  latencyUs,
  ran: { rows: 1, queueWaitUs: 100, computeUs: 300 },
});

/** 400 ok calls on v1 and errors of each kind, 50 shadow copies on v2, and their runs. */
function minuteOfTraffic(): [string, number][][] {
  return [
    ...latenciesUs.map((latencyUs) => encodeRequestObservation(ok(v1, "primary", latencyUs))),
    ...ERROR_KINDS.flatMap((kind) =>
      Array.from({ length: PRIMARY_ERRORS[kind] }, () =>
        encodeRequestObservation({ versionId: v1, role: "primary", error: kind, latencyUs: 10, ran: null }),
      ),
    ),
    ...latenciesUs.slice(0, 50).map((latencyUs) => encodeRequestObservation(ok(v2, "shadow", latencyUs))),
    ...Array.from({ length: 40 }, () => encodeSessionRun(v1, { rows: 10, computeUs: 3_000 })),
    ...Array.from({ length: 40 }, () => encodeJobRelease(v1, "full")),
    encodeSessionRun(v2, { rows: 50, computeUs: 15_000 }),
  ];
}
const PRIMARY_REQUESTS = latenciesUs.length + Object.values(PRIMARY_ERRORS).reduce((a, b) => a + b);

beforeAll(async () => {
  await createTeam("other-team");
  await api.model.create({ name: "card-fraud" });
  for (const file of ["fraud-v1.onnx", "fraud-v2.onnx"])
    await api.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: await readDemoFile(file) }));
  await api.deployment.create({ name: "fraud", modelName: "card-fraud", versionNumber: 1 });
  [v1, v2] = (await db.modelVersion.findMany({ orderBy: { number: "asc" } })).map((v) => v.id) as [
    string,
    string,
  ];
  const deploymentId = (await db.deployment.findFirstOrThrow({ where: { name: "fraud" } })).id;
  // $3.60 an hour, up for every minute here: 60,000 micro-dollars a minute, half for each version.
  await db.host.create({
    data: {
      name: "cpu-1",
      device: "cpu",
      costMicrosPerHour: 3_600_000,
      executionProviders: ["cpu"],
      startedAt: new Date(oldMinute - 60 * MINUTE_MS),
      lastHeartbeatAt: new Date(nowMs + 60 * MINUTE_MS),
    },
  });
  for (const minute of [oldMinute, closedMinute])
    await writeTrafficIncrements(getRedis(), deploymentId, minute, minuteOfTraffic());
  await foldTraffic({ nowMs: closedMinute + MINUTE_MS + FOLD_SETTLE_MS + 1 });
  // The open minute: folded once, then more counters arrive that only the live read sees.
  await writeTrafficIncrements(getRedis(), deploymentId, openMinute, [
    encodeRequestObservation(ok(v1, "primary", 900)),
  ]);
  await foldTraffic({ nowMs });
  await writeTrafficIncrements(getRedis(), deploymentId, openMinute, [
    encodeRequestObservation(ok(v1, "primary", 900)),
  ]);
});

afterAll(() => getRedis().quit());

const expectedLatency = () => {
  const histogram = emptyHistogram();
  for (const latencyUs of latenciesUs) histogram[latencyBucketOf(latencyUs)]! += 1;
  return histogram;
};

describe("monitoring.deploymentCharts", () => {
  it("gives exact counts, percentiles of the summed histogram and cost per call per minute", async () => {
    const charts = await api.monitoring.deploymentCharts({ name: "fraud", range: "1h" });
    expect(charts).toMatchObject({ bucketMs: MINUTE_MS, toMs: openMinute + MINUTE_MS });
    expect(charts.series.map((series) => [series.versionNumber, series.role])).toEqual([
      [1, "primary"],
      [2, "shadow"],
    ]);
    const primary = charts.series[0]!;
    expect(primary.points).toHaveLength(60);
    const point = primary.points.find((p) => p.bucketStartMs === closedMinute)!;
    const histogram = expectedLatency();
    expect(point).toMatchObject({
      incomplete: false,
      requests: PRIMARY_REQUESTS,
      okRequests: latenciesUs.length,
      errors: PRIMARY_ERRORS,
      requestsPerSecond: PRIMARY_REQUESTS / 60,
      latencyP50Us: percentileUs(histogram, 0.5),
      latencyP95Us: percentileUs(histogram, 0.95),
      latencyP99Us: percentileUs(histogram, 0.99),
      meanQueueWaitUs: 100,
      meanComputeUs: 300,
    });
    expect(point.errorRates.overload).toBeCloseTo(5 / PRIMARY_REQUESTS, 12);
    // The open minute is drawn from the live counters, past the last fold, and marked.
    expect(primary.points.at(-1)).toMatchObject({ bucketStartMs: openMinute, incomplete: true, requests: 2 });
    expect(primary.points.filter((p) => p.requests > 0)).toHaveLength(2);

    const [version1, version2] = charts.versions;
    expect(version2!.roles).toEqual(["shadow"]);
    const costs = version1!.points.find((p) => p.bucketStartMs === closedMinute)!;
    expect(costs).toMatchObject({
      requests: PRIMARY_REQUESTS,
      runs: 40,
      rowsPerRun: 10,
      jobs: { full: 40, timer: 0, idle: 0 },
      // 120 of the 135 ms computed on the host that minute: 8/9 of its 60,000 micro-dollars.
      allocatedCostMicros: 53_333,
      // 40 runs of 3 ms at the same price: 120 ms of the 53.3 s the version held.
      busyCostMicros: 120,
      allocatedCostPerCallMicros: 53_333 / PRIMARY_REQUESTS,
      busyCostPerCallMicros: 120 / PRIMARY_REQUESTS,
      utilization: 120_000 / 53_333_333,
      targetMarginPerCallMicros: null,
    });
  });

  it("sums the same counts into five-minute points (24h) and hours (7d, 30d, from hour rows)", async () => {
    const day = await api.monitoring.deploymentCharts({ name: "fraud", range: "24h" });
    expect(day.bucketMs).toBe(5 * MINUTE_MS);
    expect(day.series[0]!.points).toHaveLength(288);
    const inDay = (start: number) =>
      day.series[0]!.points.find((p) => p.bucketStartMs === Math.floor(start / day.bucketMs) * day.bucketMs)!;
    expect(inDay(oldMinute)).toMatchObject({ requests: PRIMARY_REQUESTS, errors: PRIMARY_ERRORS });

    expect(await db.metricRollup.count({ where: { granularity: "hour" } })).toBeGreaterThan(0);
    for (const range of ["7d", "30d"] as const) {
      const long = await api.monitoring.deploymentCharts({ name: "fraud", range });
      const hourOf = (start: number) => Math.floor(start / long.bucketMs) * long.bucketMs;
      const old = long.series[0]!.points.find((p) => p.bucketStartMs === hourOf(oldMinute))!;
      expect(old).toMatchObject({
        incomplete: false,
        requests: PRIMARY_REQUESTS,
        latencyP99Us: percentileUs(expectedLatency(), 0.99),
      });
      expect(long.series[0]!.points.at(-1)!.incomplete).toBe(true);
      const total = long.series[0]!.points.reduce((sum, p) => sum + p.requests, 0);
      expect(total).toBe(2 * PRIMARY_REQUESTS + 2);
    }
  });

  it("refuses a range it does not offer, an unknown deployment and another team's", async () => {
    await expect(
      api.monitoring.deploymentCharts({ name: "fraud", range: "2h" as "1h" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Range must be one of 1h, 24h, 7d, 30d.",
    });
    await expect(api.monitoring.deploymentCharts({ name: "ghost", range: "1h" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "deployment 'ghost' does not exist",
    });
    await expect(
      callerFor("other-team").monitoring.deploymentCharts({ name: "fraud", range: "1h" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "deployment 'fraud' does not exist" });
  });
});

describe("monitoring.deploymentOverhead", () => {
  const bound = (durationUs: number) => LATENCY_BOUNDS_US[latencyBucketOf(durationUs)]!;

  it("sets each version's session-run p50 beside its answers' p50, shadows apart, over the range", async () => {
    const hour = await api.monitoring.deploymentOverhead({ name: "fraud", range: "1h" });
    expect(hour).toMatchObject({ name: "fraud", range: "1h", toMs: openMinute + MINUTE_MS });
    // The closed minute and the open one's two live requests (answered in 900 µs, no run yet).
    const answers = expectedLatency();
    answers[latencyBucketOf(900)]! += 2;
    const answeredP50Us = percentileUs(answers, 0.5)!;
    expect(hour.versions).toEqual([
      {
        versionNumber: 1,
        role: "primary",
        requests: PRIMARY_REQUESTS + 2,
        runs: 40,
        rowsPerRun: 10,
        runP50Us: bound(3_000),
        answeredP50Us,
        queueWaitP50Us: bound(100),
        addedUs: answeredP50Us - bound(3_000),
        addedShare: (answeredP50Us - bound(3_000)) / answeredP50Us,
      },
      expect.objectContaining({ versionNumber: 2, role: "shadow", requests: 50, runs: 1, rowsPerRun: 50 }),
    ]);
    expect(hour.versions[1]!.runP50Us).toBe(bound(15_000));

    // Thirty days read hour rows: the run durations survive the monitor's sums, both minutes counted.
    const month = await api.monitoring.deploymentOverhead({ name: "fraud", range: "30d" });
    expect(month.versions[0]).toMatchObject({ runs: 80, rowsPerRun: 10, runP50Us: bound(3_000) });
  });

  it("refuses a range it does not offer, an unknown deployment and another team's", async () => {
    await expect(
      api.monitoring.deploymentOverhead({ name: "fraud", range: "2h" as "1h" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "Range must be one of 1h, 24h, 7d, 30d." });
    await expect(api.monitoring.deploymentOverhead({ name: "ghost", range: "1h" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "deployment 'ghost' does not exist",
    });
    await expect(
      callerFor("other-team").monitoring.deploymentOverhead({ name: "fraud", range: "1h" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND", message: "deployment 'fraud' does not exist" });
  });
});

describe("deployment.setEconomics", () => {
  const stored = () =>
    db.deployment.findFirstOrThrow({
      where: { name: "fraud" },
      select: { targetCostMicrosPer1kCalls: true, revenueMicrosPer1kCalls: true },
    });

  it("refuses a negative or absurd price with a sentence, and changes nothing", async () => {
    const before = await stored();
    await expect(
      api.deployment.setEconomics({
        name: "fraud",
        economics: { targetCostMicrosPer1kCalls: -1, revenueMicrosPer1kCalls: null },
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "The target cost cannot be negative.",
    });
    await expect(
      api.deployment.setEconomics({
        name: "fraud",
        economics: { targetCostMicrosPer1kCalls: null, revenueMicrosPer1kCalls: 2_000_000_000_000 },
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/revenue is over \$1,000 per call/),
    });
    await expect(
      api.deployment.setEconomics({
        name: "ghost",
        economics: { targetCostMicrosPer1kCalls: 1, revenueMicrosPer1kCalls: 1 },
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await stored()).toEqual(before);
  });

  it("stores a target and a revenue the charts draw margins against", async () => {
    const economics = { targetCostMicrosPer1kCalls: 80_000, revenueMicrosPer1kCalls: 150_000 };
    expect(await api.deployment.setEconomics({ name: "fraud", economics })).toEqual(economics);
    const charts = await api.monitoring.deploymentCharts({ name: "fraud", range: "1h" });
    expect(charts.economics).toEqual(economics);
    const point = charts.versions[0]!.points.find((p) => p.bucketStartMs === closedMinute)!;
    expect(point.targetMarginPerCallMicros).toBeCloseTo(80 - 53_333 / PRIMARY_REQUESTS, 9);
    expect(point.revenueMarginPerCallMicros).toBeCloseTo(150 - 53_333 / PRIMARY_REQUESTS, 9);
    const [event] = await db.auditEvent.findMany({ where: { action: "deployment.setEconomics" } });
    expect(event!.data).toMatchObject({ after: economics });
  });
});

describe("monitoring.overview", () => {
  it("shows each deployment's last hour: health, callers' traffic, errors, p99, cost, last change", async () => {
    const [fraud] = await api.monitoring.overview();
    const requests = PRIMARY_REQUESTS + 2;
    const serviceErrors = PRIMARY_REQUESTS - latenciesUs.length - PRIMARY_ERRORS.badInput;
    expect(fraud).toMatchObject({
      name: "fraud",
      modelName: "card-fraud",
      health: serviceErrors / requests >= 0.05 ? "failing" : "degraded",
      requests,
      errorRate: (PRIMARY_REQUESTS - latenciesUs.length) / requests,
      serviceErrorRate: serviceErrors / requests,
      lastChange: { action: "deployment.setEconomics", actor: "test" },
    });
    // Both versions' cost (the shadow's too, and the open minute's as last folded) per callers' request.
    const cost = await db.metricRollup.aggregate({
      where: { granularity: "minute", bucketStart: { gte: new Date(closedMinute) } },
      _sum: { allocatedCostMicros: true },
    });
    expect(cost._sum.allocatedCostMicros).toBeGreaterThan(60_000n);
    expect(fraud!.allocatedCostMicrosPer1kCalls).toBeCloseTo(
      (Number(cost._sum.allocatedCostMicros) / requests) * 1000,
      6,
    );
    expect(fraud!.latencyP99Us).toBeGreaterThan(0);
    expect(await callerFor("other-team").monitoring.overview()).toEqual([]);
  });
});
