import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MINUTE_MS,
  TRAFFIC_COUNTER_TTL_SECONDS,
  TRAFFIC_MINUTES_KEY,
  encodeJobRelease,
  encodeRequestObservation,
  encodeSessionRun,
  minuteStartOf,
  type RequestObservation,
} from "@/server/contracts/live-counters";
import { connectRedis } from "@/server/contracts/redis-connections";
import { createDb, getDb } from "@/server/db";
import { isDatabaseUnavailable } from "@/server/services/prisma-errors";
import { readEnv } from "@/server/env";
import { addHistogram, emptyHistogram, latencyBucketOf } from "@/server/domain/monitoring/latency-histogram";
import { getRedis } from "@/server/redis";
import { FOLD_SETTLE_MS, foldTraffic } from "@/server/services/monitoring/fold-traffic";
import { readDemoFile } from "@/test/support/demo-files";
import { writeTrafficIncrements } from "@/test/support/traffic-hashes";
import { callerFor, uploadForm } from "@/test/support/trpc-caller";
import { startMonitorWorker } from "@/workers/monitor/monitor-worker";

const api = callerFor();
const db = getDb();
let deploymentId: string;
let v1: string;
let v2: string;
/** A closed hour well inside the counters' TTL, so every minute of it is still in the index. */
const hourStartMs = Math.floor((Date.now() - 3 * 60 * MINUTE_MS) / (60 * MINUTE_MS)) * 60 * MINUTE_MS;
const minute = hourStartMs + 10 * MINUTE_MS;
const settledMs = (minuteStartMs: number) => minuteStartMs + MINUTE_MS + FOLD_SETTLE_MS + 1;

const ok = (versionId: string, role: "primary" | "shadow", latencyUs: number): RequestObservation => ({
  versionId,
  role,
  error: null,
  latencyUs,
  ran: { rows: 2, queueWaitUs: latencyUs / 4, computeUs: latencyUs / 2 },
});

beforeAll(async () => {
  await api.model.create({ name: "card-fraud" });
  for (const file of ["fraud-v1.onnx", "fraud-v2.onnx"])
    await api.modelVersion.upload(uploadForm({ modelName: "card-fraud", file: await readDemoFile(file) }));
  await api.deployment.create({ name: "fraud", modelName: "card-fraud", versionNumber: 1 });
  deploymentId = (await db.deployment.findFirstOrThrow({ where: { name: "fraud" } })).id;
  const versions = await db.modelVersion.findMany({ orderBy: { number: "asc" } });
  [v1, v2] = versions.map((version) => version.id) as [string, string];
  // $3.60 an hour: 60,000 micro-dollars a minute, up over every minute of these tests.
  await db.host.create({
    data: {
      name: "cpu-1",
      device: "cpu",
      costMicrosPerHour: 3_600_000,
      executionProviders: ["cpu"],
      startedAt: new Date(hourStartMs - 60 * MINUTE_MS),
      lastHeartbeatAt: new Date(Date.now() + 60 * MINUTE_MS),
    },
  });
});

afterAll(() => getRedis().quit());

const rowsOf = (granularity: "minute" | "hour", bucketStartMs: number) =>
  db.metricRollup.findMany({
    where: { deploymentId, granularity, bucketStart: new Date(bucketStartMs) },
    orderBy: [{ modelVersionId: v1 < v2 ? "asc" : "desc" }, { role: "asc" }],
  });

describe("the monitor's fold", () => {
  it("writes a minute's counters as rows per version and role, with runs and cost once per version", async () => {
    const latencies = [900, 1_500, 1_500, 40_000];
    await writeTrafficIncrements(getRedis(), deploymentId, minute, [
      ...latencies.map((latencyUs) => encodeRequestObservation(ok(v1, "primary", latencyUs))),
      encodeRequestObservation({
        versionId: v1,
        role: "primary",
        error: "badInput",
        latencyUs: 50,
        ran: null,
      }),
      encodeRequestObservation({ ...ok(v1, "primary", 0), error: "modelError" }),
      encodeRequestObservation(ok(v2, "shadow", 3_000)),
      encodeJobRelease(v1, "full"),
      encodeJobRelease(v1, "idle"),
      encodeJobRelease(v2, "timer"),
      encodeSessionRun(v1, { rows: 8, computeUs: 12_000 }),
      encodeSessionRun(v2, { rows: 2, computeUs: 6_000 }),
    ]);
    const report = await foldTraffic({ nowMs: minute + MINUTE_MS + 5_000 });
    expect(report).toMatchObject({ minutesFolded: 1, rowsWritten: 2, hoursFolded: 0 });

    const [primary, shadow] = await rowsOf("minute", minute);
    const latency = emptyHistogram();
    for (const latencyUs of latencies) latency[latencyBucketOf(latencyUs)]! += 1;
    expect(primary).toMatchObject({
      modelVersionId: v1,
      role: "primary",
      requests: 6,
      okRequests: 4,
      errorsBadInput: 1,
      errorsModelError: 1,
      latencySumUs: 43_900n,
      latencyBuckets: latency,
      ranRequests: 5,
      jobsFull: 1,
      jobsIdle: 1,
      runs: 1,
      runRowsSum: 8n,
      busyComputeUs: 12_000n,
      // Two versions ran on the one host that minute, v1 for 12 of the 18 ms computed: 2/3 of it.
      allocatedUs: 40_000_000n,
      allocatedCostMicros: 40_000n,
      busyCostMicros: 12n,
    });
    // A version that only shadowed carries its runs and cost on its shadow row.
    expect(shadow).toMatchObject({
      modelVersionId: v2,
      role: "shadow",
      requests: 1,
      jobsTimer: 1,
      runs: 1,
      busyComputeUs: 6_000n,
      allocatedCostMicros: 20_000n,
      busyCostMicros: 6n,
    });
  });

  it("counts a minute folded twice once, and takes late increments on a fold before it settles", async () => {
    const before = await rowsOf("minute", minute);
    await foldTraffic({ nowMs: minute + MINUTE_MS + 6_000 });
    const again = await rowsOf("minute", minute);
    expect(again.map(({ updatedAt: _, ...row }) => row)).toEqual(
      before.map(({ updatedAt: _, ...row }) => row),
    );

    await writeTrafficIncrements(getRedis(), deploymentId, minute, [
      encodeRequestObservation(ok(v1, "primary", 2_000)),
      encodeSessionRun(v1, { rows: 1, computeUs: 1_000 }),
    ]);
    expect(await foldTraffic({ nowMs: settledMs(minute) })).toMatchObject({ minutesFolded: 1 });
    const [primary] = await rowsOf("minute", minute);
    expect(primary).toMatchObject({ requests: 7, okRequests: 5, runs: 2, busyComputeUs: 13_000n });
    // Folded after it settled: final, not read again.
    expect(await foldTraffic({ nowMs: settledMs(minute) + 5_000 })).toMatchObject({ minutesFolded: 0 });
  });

  it("folds a closed hour into hour rows, the sums of its minute rows, idempotently", async () => {
    const other = hourStartMs + 40 * MINUTE_MS;
    await writeTrafficIncrements(getRedis(), deploymentId, other, [
      encodeRequestObservation(ok(v1, "primary", 1_500)),
      encodeRequestObservation({
        versionId: v1,
        role: "primary",
        error: "deadline",
        latencyUs: 1,
        ran: null,
      }),
      encodeSessionRun(v1, { rows: 3, computeUs: 2_000 }),
    ]);
    // The hour is still open: its minutes fold, the hour waits.
    expect(await foldTraffic({ nowMs: settledMs(other) })).toMatchObject({
      minutesFolded: 1,
      hoursFolded: 0,
    });
    const afterHour = hourStartMs + 60 * MINUTE_MS + FOLD_SETTLE_MS + 1;
    expect(await foldTraffic({ nowMs: afterHour })).toMatchObject({ hoursFolded: 1 });
    const minuteRows = await db.metricRollup.findMany({
      where: { deploymentId, granularity: "minute", modelVersionId: v1, role: "primary" },
    });
    const [hour] = await rowsOf("hour", hourStartMs);
    const sum = (pick: (row: (typeof minuteRows)[number]) => number | bigint) =>
      minuteRows.reduce((total, row) => total + Number(pick(row)), 0);
    expect(minuteRows).toHaveLength(2);
    expect(hour).toMatchObject({
      requests: sum((row) => row.requests),
      okRequests: sum((row) => row.okRequests),
      errorsDeadline: 1,
      runs: sum((row) => row.runs),
      busyComputeUs: BigInt(sum((row) => row.busyComputeUs)),
      allocatedCostMicros: BigInt(sum((row) => row.allocatedCostMicros)),
      latencyBuckets: minuteRows.reduce(
        (total, row) => addHistogram(total, row.latencyBuckets),
        emptyHistogram(),
      ),
    });
    // Nothing pending: a second tick writes nothing; a late minute re-folds the hour.
    expect(await foldTraffic({ nowMs: afterHour + 1 })).toMatchObject({ minutesFolded: 0, hoursFolded: 0 });
    await writeTrafficIncrements(getRedis(), deploymentId, other, [
      encodeRequestObservation(ok(v1, "primary", 1_500)),
    ]);
    await getRedis().hdel("monitor:folded-minutes", `${deploymentId}:${other}`);
    expect(await foldTraffic({ nowMs: afterHour + 2 })).toMatchObject({ minutesFolded: 1, hoursFolded: 1 });
    expect((await rowsOf("hour", hourStartMs))[0]!.requests).toBe(hour!.requests + 1);
  });

  it("trims index members older than the counters' TTL", async () => {
    const old = minuteStartOf(Date.now()) - (TRAFFIC_COUNTER_TTL_SECONDS + 120) * 1000;
    await writeTrafficIncrements(getRedis(), deploymentId, old, [
      encodeRequestObservation(ok(v1, "primary", 1)),
    ]);
    const report = await foldTraffic();
    expect(report.membersTrimmed).toBe(1);
    expect(await getRedis().zscore(TRAFFIC_MINUTES_KEY, `${deploymentId}:${old}`)).toBeNull();
    expect(await db.metricRollup.count({ where: { bucketStart: new Date(old) } })).toBe(0);
  });

  it("leaves a minute due when Postgres or Redis cannot be reached, so the next tick folds it", async () => {
    const late = hourStartMs + 50 * MINUTE_MS;
    await writeTrafficIncrements(getRedis(), deploymentId, late, [
      encodeRequestObservation(ok(v1, "primary", 800)),
    ]);
    const unreachableDb = createDb("postgresql://postgres@127.0.0.1:9/none");
    const error = await foldTraffic({ db: unreachableDb, nowMs: settledMs(late) }).catch((e: unknown) => e);
    expect(isDatabaseUnavailable(error)).toBe(true);
    await unreachableDb.$disconnect();
    const unreachableRedis = connectRedis("command", "redis://127.0.0.1:9", {
      keyPrefix: readEnv().REDIS_KEY_PREFIX,
    });
    await expect(foldTraffic({ redis: unreachableRedis, nowMs: settledMs(late) })).rejects.toThrow();
    unreachableRedis.disconnect();
    expect(await db.metricRollup.count({ where: { bucketStart: new Date(late) } })).toBe(0);
    expect(await foldTraffic({ nowMs: settledMs(late) })).toMatchObject({ minutesFolded: 1 });
    expect(await db.metricRollup.count({ where: { bucketStart: new Date(late) } })).toBe(1);
  });

  it("runs on a BullMQ job scheduler in the monitor role", async () => {
    const now = minuteStartOf(Date.now());
    await writeTrafficIncrements(getRedis(), deploymentId, now, [
      encodeRequestObservation(ok(v2, "primary", 700)),
    ]);
    const { REDIS_URL, REDIS_KEY_PREFIX } = readEnv();
    const monitor = await startMonitorWorker({
      redisUrl: REDIS_URL,
      keyPrefix: REDIS_KEY_PREFIX,
      everyMs: 200,
      samplesEveryMs: 200,
      retentionDays: 30,
      driftEveryMs: 60_000,
      canaryEveryMs: 60_000,
      alertsEveryMs: 60_000,
    });
    try {
      await expect
        .poll(() => db.metricRollup.count({ where: { bucketStart: new Date(now), modelVersionId: v2 } }), {
          timeout: 20_000,
        })
        .toBe(1);
    } finally {
      await monitor.close();
    }
  });
});
