import { parseArgs } from "node:util";
import { MINUTE_MS, emptyRoleCounts, emptyRunCounts, minuteStartOf } from "@/server/contracts/live-counters";
import { CHART_RANGES, HOUR_MS, bucketStartOf } from "@/server/domain/monitoring/chart-points";
import { LATENCY_BOUNDS_US } from "@/server/domain/monitoring/latency-histogram";
import { createPrng } from "@/server/domain/prng";
import { emptyCostCounts, sumRowsBy } from "@/server/domain/monitoring/rollup-counts";
import { applyMigrations } from "@/server/migrations/apply-migrations";
import { getDb } from "@/server/db";
import { getRedis } from "@/server/redis";
import { SUMMED_LEVELS } from "@/server/services/monitoring/fold-traffic";
import { getDeploymentCharts } from "@/server/services/monitoring/get-deployment-charts";
import { getDeploymentOverhead } from "@/server/services/monitoring/get-deployment-overhead";
import { getMonitoringOverview } from "@/server/services/monitoring/get-monitoring-overview";
import type { Counts, StoredRollupRow } from "@/server/services/monitoring/rollup-rows";
import { upsertRollupRows } from "@/server/services/monitoring/rollup-rows";
import { ensureDefaultTeam } from "@/server/services/team/ensure-default-team";
import { createDatabase, dropDatabase } from "@/test/support/databases";

// `npm run bench:charts`: 30 days of minute rollups (and the hour rows the monitor makes from
// them) for three versions of one deployment, as 100 million requests leave them, in a database
// of its own; then every chart query of the deployment page at each range, timed. Prints p50 and
// p95 per query and the 30-day query's time over the 1-hour one. Bar: p95 at most 150 ms.

const { values: args } = parseArgs({
  options: {
    days: { type: "string", default: "30" },
    requests: { type: "string", default: "100000000" },
    runs: { type: "string", default: "30" },
    keep: { type: "boolean", default: false },
  },
});
const DAYS = Number(args.days);
const TOTAL_REQUESTS = Number(args.requests);
const RUNS = Number(args.runs);
const BAR_P95_MS = 150;
const DATABASE = "mlops_bench_charts";

const databaseUrl = await createDatabase(DATABASE);
await applyMigrations(databaseUrl);
Object.assign(process.env, { DATABASE_URL: databaseUrl, REDIS_KEY_PREFIX: `bench-charts:${process.pid}:` });
const db = getDb();

/** Log-normal latency around a median: the share of requests in each shared bucket. */
function latencyShares(medianUs: number, sigma: number): number[] {
  const cdf = (us: number) => 0.5 * (1 + erf(Math.log(us / medianUs) / (sigma * Math.SQRT2)));
  const shares = LATENCY_BOUNDS_US.map(
    (bound, index) => cdf(bound) - (index === 0 ? 0 : cdf(LATENCY_BOUNDS_US[index - 1]!)),
  );
  return [...shares, 1 - cdf(LATENCY_BOUNDS_US.at(-1)!)];
}
function erf(x: number): number {
  // Abramowitz and Stegun 7.1.26: enough for made-up latencies.
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
const SHAPES = [6_000, 8_000, 12_000, 20_000].map((median) => latencyShares(median, 0.5));

const random = createPrng(30);
function minuteCounts(requests: number, shape: number[]): Counts {
  const counts: Counts = { ...emptyRoleCounts(), ...emptyRunCounts(), ...emptyCostCounts() };
  const errors = Math.round(requests * 0.004);
  counts.requests = requests;
  counts.okRequests = requests - errors;
  counts.errors.overload = Math.round(errors / 2);
  counts.errors.badInput = errors - counts.errors.overload;
  counts.latency = shape.map((share) => Math.round(share * counts.okRequests));
  counts.latencySumUs = counts.okRequests * 9_000;
  counts.ranRequests = counts.okRequests;
  counts.rowsSum = counts.okRequests;
  counts.queueWait = shape.map((share) => Math.round(share * counts.okRequests * 0.3));
  counts.queueWaitSumUs = counts.okRequests * 2_000;
  counts.compute = counts.latency.slice();
  counts.computeSumUs = counts.okRequests * 5_000;
  counts.runs = Math.ceil(counts.okRequests / 8);
  counts.jobs = {
    full: Math.round(counts.runs * 0.6),
    timer: Math.round(counts.runs * 0.3),
    idle: Math.round(counts.runs * 0.1),
  };
  counts.runRowsSum = counts.okRequests;
  counts.busyComputeUs = counts.runs * 5_000;
  counts.runCompute = shape.map((share) => Math.round(share * counts.runs));
  counts.allocatedUs = 20_000_000;
  counts.allocatedCostMicros = 20_000;
  counts.busyCostMicros = Math.round((counts.busyComputeUs / counts.allocatedUs) * 20_000);
  return counts;
}

const team = await ensureDefaultTeam();
const model = await db.model.create({ data: { teamId: team.id, name: "bench", task: "benchmark" } });
const versions = await Promise.all(
  [1, 2, 3].map((number) =>
    db.modelVersion.create({
      data: {
        teamId: team.id,
        modelId: model.id,
        number,
        artifactSha256: String(number).repeat(64),
        artifactSizeBytes: 1,
        storageKey: `bench/${number}`,
        signature: {},
      },
    }),
  ),
);
const deployment = await db.deployment.create({
  data: { teamId: team.id, name: "bench-charts", modelId: model.id },
});

// v1 takes 90% of the callers, v2 10% (a canary), v3 shadows a fifth of the traffic.
const nowMs = Date.now();
const lastMinute = minuteStartOf(nowMs);
const minutes = DAYS * 24 * 60;
const perMinute = TOTAL_REQUESTS / minutes;
const fillStarted = performance.now();
let minuteRows: (StoredRollupRow & { teamId: string })[] = [];
let hourRows: StoredRollupRow[] = [];
let written = 0;
/** What the monitor sums from the minute rows: their five-minute and hour rows. */
const flushHours = async () => {
  for (const { granularity, bucketMs } of SUMMED_LEVELS) {
    const sums = sumRowsBy(
      hourRows,
      (row) => `${bucketStartOf(row.bucketStartMs, bucketMs)}|${row.versionId}|${row.role}`,
    );
    const rows = [...sums.values()].map(({ first, counts }) => ({
      ...first,
      teamId: team.id,
      bucketStartMs: bucketStartOf(first.bucketStartMs, bucketMs),
      counts,
    }));
    for (let index = 0; index < rows.length; index += 1_000)
      await upsertRollupRows(rows.slice(index, index + 1_000), granularity);
  }
  hourRows = [];
};
for (let index = 0; index < minutes; index += 1) {
  const bucketStartMs = lastMinute - (minutes - 1 - index) * MINUTE_MS;
  // A daily cycle and some noise, so every point differs.
  const load = perMinute * (1 + 0.5 * Math.sin((2 * Math.PI * index) / 1440)) * (0.9 + 0.2 * random.next());
  const shape = SHAPES[random.int(0, SHAPES.length - 1)]!;
  const rows: [string, "primary" | "shadow", number][] = [
    [versions[0]!.id, "primary", Math.round(load * 0.9)],
    [versions[1]!.id, "primary", Math.round(load * 0.1)],
    [versions[2]!.id, "shadow", Math.round(load * 0.2)],
  ];
  for (const [versionId, role, requests] of rows) {
    const row = {
      deploymentId: deployment.id,
      teamId: team.id,
      versionId,
      role,
      bucketStartMs,
      counts: minuteCounts(requests, shape),
    };
    minuteRows.push(row);
    hourRows.push(row);
  }
  if (minuteRows.length >= 1_500) {
    await upsertRollupRows(minuteRows, "minute");
    written += minuteRows.length;
    minuteRows = [];
  }
  if ((bucketStartMs + MINUTE_MS) % HOUR_MS === 0) await flushHours();
}
await upsertRollupRows(minuteRows, "minute");
written += minuteRows.length;
await flushHours();
await db.$executeRawUnsafe(`VACUUM ANALYZE "MetricRollup"`);
const [{ bytes }] = await db.$queryRaw<
  [{ bytes: bigint }]
>`SELECT pg_total_relation_size('"MetricRollup"') AS bytes`;
const requestsStored = await db.metricRollup.aggregate({
  where: { granularity: "minute", role: "primary" },
  _sum: { requests: true },
});
console.log(
  `filled ${written} minute rows, ${await db.metricRollup.count({ where: { granularity: "fiveMinute" } })} five-minute ` +
    `and ${await db.metricRollup.count({ where: { granularity: "hour" } })} hour rows ` +
    `(${requestsStored._sum.requests} callers' requests, ${(Number(bytes) / 1e6).toFixed(0)} MB) in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`,
);

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
async function time(label: string, query: () => Promise<unknown>) {
  for (let warm = 0; warm < 3; warm += 1) await query();
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    await query();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { label, p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: times.at(-1)! };
}

const results = [];
for (const range of CHART_RANGES)
  results.push(
    await time(`monitoring.deploymentCharts ${range}`, () =>
      getDeploymentCharts({ teamId: team.id, name: "bench-charts", range }),
    ),
  );
for (const range of CHART_RANGES)
  results.push(
    await time(`monitoring.deploymentOverhead ${range}`, () =>
      getDeploymentOverhead({ teamId: team.id, name: "bench-charts", range }),
    ),
  );
results.push(await time("monitoring.overview", () => getMonitoringOverview({ teamId: team.id })));

console.log(`\n${RUNS} runs each after 3 warm-up runs, times in ms`);
console.log("query                                p50      p95      max   bar (p95 <= 150 ms)");
for (const { label, p50, p95, max } of results)
  console.log(
    `${label.padEnd(34)} ${p50.toFixed(1).padStart(7)}  ${p95.toFixed(1).padStart(7)}  ${max.toFixed(1).padStart(7)}   ${p95 <= BAR_P95_MS ? "ok" : "OVER"}`,
  );
const hour = results[0]!;
const month = results[3]!;
console.log(
  `\n30d over 1h: p50 ${(month.p50 / hour.p50).toFixed(2)}x, p95 ${(month.p95 / hour.p95).toFixed(2)}x`,
);

await db.$disconnect();
await getRedis().quit();
if (!args.keep) await dropDatabase(DATABASE);
process.exit(results.every((result) => result.p95 <= BAR_P95_MS) ? 0 : 1);
