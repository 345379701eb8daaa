import { Prisma } from "@/generated/prisma/client";
import type { BatchReleaseReason, ErrorKind, ServingRole } from "@/server/contracts/live-counters";
import { getDb, type Db } from "@/server/db";
import { histogramOfJoinedCounts, LATENCY_BUCKET_COUNT } from "@/server/domain/monitoring/latency-histogram";
import type { RollupCounts, RollupRow } from "@/server/domain/monitoring/rollup-counts";

import type { RollupGranularity as Granularity } from "@/server/domain/monitoring/chart-points";

/** Rows with the contract's error kinds and release reasons. */
export type Counts = RollupCounts<ErrorKind, BatchReleaseReason>;

export interface StoredRollupRow extends RollupRow<ErrorKind, BatchReleaseReason> {
  deploymentId: string;
  bucketStartMs: number;
}

/** Writes each row's absolute totals over what was there: folding a bucket twice counts it once. */
export async function upsertRollupRows(
  rows: readonly (StoredRollupRow & { teamId: string })[],
  granularity: Granularity,
  db: Db = getDb(),
): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map(
    ({ deploymentId, teamId, versionId, role, bucketStartMs, counts: c }) => Prisma.sql`(
      ${deploymentId}, ${granularity}::"RollupGranularity", ${new Date(bucketStartMs)}, ${versionId},
      ${role}::"ServingRole", ${teamId}, ${c.requests}, ${c.okRequests}, ${c.errors.badInput},
      ${c.errors.modelError}, ${c.errors.deadline}, ${c.errors.overload}, ${c.errors.unavailable},
      ${c.latencySumUs}::bigint, ${c.latency}::integer[], ${c.ranRequests}, ${c.rowsSum}::bigint,
      ${c.queueWaitSumUs}::bigint, ${c.queueWait}::integer[], ${c.computeSumUs}::bigint,
      ${c.compute}::integer[], ${c.jobs.full}, ${c.jobs.timer}, ${c.jobs.idle}, ${c.runs},
      ${c.runRowsSum}::bigint, ${c.busyComputeUs}::bigint, ${c.runCompute}::integer[], ${c.allocatedUs}::bigint,
      ${c.allocatedCostMicros}::bigint, ${c.busyCostMicros}::bigint, now())`,
  );
  await db.$executeRaw`
    INSERT INTO "MetricRollup" ("deploymentId", "granularity", "bucketStart", "modelVersionId", "role",
      "teamId", "requests", "okRequests", "errorsBadInput", "errorsModelError", "errorsDeadline",
      "errorsOverload", "errorsUnavailable", "latencySumUs", "latencyBuckets", "ranRequests", "rowsSum",
      "queueWaitSumUs", "queueWaitBuckets", "computeSumUs", "computeBuckets", "jobsFull", "jobsTimer",
      "jobsIdle", "runs", "runRowsSum", "busyComputeUs", "runComputeBuckets", "allocatedUs", "allocatedCostMicros",
      "busyCostMicros", "updatedAt")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("deploymentId", "granularity", "bucketStart", "modelVersionId", "role") DO UPDATE SET
      "requests" = EXCLUDED."requests", "okRequests" = EXCLUDED."okRequests",
      "errorsBadInput" = EXCLUDED."errorsBadInput", "errorsModelError" = EXCLUDED."errorsModelError",
      "errorsDeadline" = EXCLUDED."errorsDeadline", "errorsOverload" = EXCLUDED."errorsOverload",
      "errorsUnavailable" = EXCLUDED."errorsUnavailable", "latencySumUs" = EXCLUDED."latencySumUs",
      "latencyBuckets" = EXCLUDED."latencyBuckets", "ranRequests" = EXCLUDED."ranRequests",
      "rowsSum" = EXCLUDED."rowsSum", "queueWaitSumUs" = EXCLUDED."queueWaitSumUs",
      "queueWaitBuckets" = EXCLUDED."queueWaitBuckets", "computeSumUs" = EXCLUDED."computeSumUs",
      "computeBuckets" = EXCLUDED."computeBuckets", "jobsFull" = EXCLUDED."jobsFull",
      "jobsTimer" = EXCLUDED."jobsTimer", "jobsIdle" = EXCLUDED."jobsIdle", "runs" = EXCLUDED."runs",
      "runRowsSum" = EXCLUDED."runRowsSum", "busyComputeUs" = EXCLUDED."busyComputeUs",
      "runComputeBuckets" = EXCLUDED."runComputeBuckets",
      "allocatedUs" = EXCLUDED."allocatedUs", "allocatedCostMicros" = EXCLUDED."allocatedCostMicros",
      "busyCostMicros" = EXCLUDED."busyCostMicros", "updatedAt" = EXCLUDED."updatedAt"`;
}

interface RawRollupRow {
  deploymentId: string;
  bucketStart: Date;
  modelVersionId: string;
  role: ServingRole;
  requests: number;
  okRequests: number;
  errorsBadInput: number;
  errorsModelError: number;
  errorsDeadline: number;
  errorsOverload: number;
  errorsUnavailable: number;
  latencySumUs: number;
  latencyBuckets: string | null;
  ranRequests: number;
  rowsSum: number;
  queueWaitSumUs: number;
  queueWaitBuckets: string | null;
  computeSumUs: number;
  computeBuckets: string | null;
  jobsFull: number;
  jobsTimer: number;
  jobsIdle: number;
  runs: number;
  runRowsSum: number;
  busyComputeUs: number;
  runComputeBuckets: string | null;
  allocatedUs: number;
  allocatedCostMicros: number;
  busyCostMicros: number;
}

/** A histogram Postgres sent joined by commas (see `joined`), or the shared zeros if not read. */
function histogramOf(joined: string | null): number[] {
  return joined ? histogramOfJoinedCounts(joined) : NOT_READ;
}

/** A histogram left out of the query: shared, since sums copy a row's arrays before adding to them. */
const NOT_READ: number[] = Object.freeze(new Array<number>(LATENCY_BUCKET_COUNT).fill(0)) as number[];

const joined = (column: string) => Prisma.raw(`array_to_string("${column}", ',') AS "${column}"`);

function countsOfRow(row: RawRollupRow): Counts {
  return {
    requests: row.requests,
    okRequests: row.okRequests,
    errors: {
      badInput: row.errorsBadInput,
      modelError: row.errorsModelError,
      deadline: row.errorsDeadline,
      overload: row.errorsOverload,
      unavailable: row.errorsUnavailable,
    },
    latencySumUs: row.latencySumUs,
    latency: histogramOf(row.latencyBuckets),
    ranRequests: row.ranRequests,
    rowsSum: row.rowsSum,
    queueWaitSumUs: row.queueWaitSumUs,
    queueWait: histogramOf(row.queueWaitBuckets),
    computeSumUs: row.computeSumUs,
    compute: histogramOf(row.computeBuckets),
    jobs: { full: row.jobsFull, timer: row.jobsTimer, idle: row.jobsIdle },
    runs: row.runs,
    runRowsSum: row.runRowsSum,
    busyComputeUs: row.busyComputeUs,
    runCompute: histogramOf(row.runComputeBuckets),
    allocatedUs: row.allocatedUs,
    allocatedCostMicros: row.allocatedCostMicros,
    busyCostMicros: row.busyCostMicros,
  };
}

const HISTOGRAM_COLUMNS = {
  all: Prisma.sql`${joined("queueWaitBuckets")}, ${joined("computeBuckets")}, ${joined("runComputeBuckets")}`,
  // The charts show queue wait and compute as means: their histograms are most of the bytes.
  latency: Prisma.sql`NULL::text AS "queueWaitBuckets", NULL::text AS "computeBuckets",
    NULL::text AS "runComputeBuckets"`,
  // The overhead table sets the runs' p50 beside the answers' and the queue's: no request compute.
  overhead: Prisma.sql`${joined("queueWaitBuckets")}, NULL::text AS "computeBuckets",
    ${joined("runComputeBuckets")}`,
};

/**
 * Rows of some deployments at one granularity with bucketStart in [fromMs, toMs): one range scan
 * of the primary key per deployment. `histograms: "latency"` leaves the others out.
 */
export async function readRollupRows(
  {
    deploymentIds,
    granularity,
    fromMs,
    toMs,
    histograms = "latency",
  }: {
    deploymentIds: readonly string[];
    granularity: Granularity;
    fromMs: number;
    toMs: number;
    histograms?: keyof typeof HISTOGRAM_COLUMNS;
  },
  db: Db = getDb(),
): Promise<StoredRollupRow[]> {
  if (deploymentIds.length === 0 || toMs <= fromMs) return [];
  const rows = await db.$queryRaw<RawRollupRow[]>`
    -- Sums as float8, exact below 2^53 µs (285 years), so they arrive as numbers, not strings.
    SELECT "deploymentId", "bucketStart", "modelVersionId", "role"::text AS "role", "requests",
      "okRequests", "errorsBadInput", "errorsModelError", "errorsDeadline", "errorsOverload",
      "errorsUnavailable", "latencySumUs"::float8, ${joined("latencyBuckets")}, "ranRequests",
      "rowsSum"::float8, "queueWaitSumUs"::float8, "computeSumUs"::float8, ${HISTOGRAM_COLUMNS[histograms]},
      "jobsFull", "jobsTimer", "jobsIdle", "runs", "runRowsSum"::float8, "busyComputeUs"::float8,
      "allocatedUs"::float8, "allocatedCostMicros"::float8, "busyCostMicros"::float8
    FROM "MetricRollup"
    WHERE "deploymentId" IN (${Prisma.join(deploymentIds)})
      AND "granularity" = ${granularity}::"RollupGranularity"
      AND "bucketStart" >= ${new Date(fromMs)} AND "bucketStart" < ${new Date(toMs)}`;
  return rows.map((row) => ({
    deploymentId: row.deploymentId,
    bucketStartMs: row.bucketStart.getTime(),
    versionId: row.modelVersionId,
    role: row.role,
    counts: countsOfRow(row),
  }));
}
