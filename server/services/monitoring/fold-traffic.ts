import type { Redis } from "ioredis";
import {
  MINUTE_MS,
  TRAFFIC_COUNTER_TTL_SECONDS,
  TRAFFIC_MINUTES_KEY,
  decodeTrafficHash,
  parseTrafficMinuteMember,
  trafficKey,
  type VersionMinute,
} from "@/server/contracts/live-counters";
import { getDb, type Db } from "@/server/db";
import { FIVE_MINUTES_MS, HOUR_MS, bucketStartOf } from "@/server/domain/monitoring/chart-points";
import { hostUpUsInMinute, shareHostsByVersion } from "@/server/domain/monitoring/cost";
import { ranThisMinute, rollupRowsOfMinute, sumRowsBy } from "@/server/domain/monitoring/rollup-counts";
import { servableDevices } from "@/server/contracts/serving";
import { getRedis } from "@/server/redis";
import { readRollupRows, upsertRollupRows } from "@/server/services/monitoring/rollup-rows";

/**
 * Counters of a minute may still arrive this long after it ends (each gateway and worker flushes
 * once a second): a minute is folded on every tick until one fold starts this long after its end.
 */
export const FOLD_SETTLE_MS = 30_000;
/** Member of TRAFFIC_MINUTES_KEY → when the monitor last folded it (ms): which minutes are final. */
export const FOLDED_MINUTES_KEY = "monitor:folded-minutes";
/**
 * The sums of minute rows the monitor keeps: per level, a sorted set of `<deploymentId>:<startMs>`
 * → when one of its minutes was last folded, the buckets to (re)sum once closed.
 */
export const SUMMED_LEVELS = [
  { granularity: "fiveMinute", bucketMs: FIVE_MINUTES_MS, pendingKey: "monitor:pending-five-minutes" },
  { granularity: "hour", bucketMs: HOUR_MS, pendingKey: "monitor:pending-hours" },
] as const;
type SummedLevel = (typeof SUMMED_LEVELS)[number];
/** The hosts' heartbeat period (workers/host.ts): a host was up until its last beat plus this. */
const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

export interface FoldTrafficOptions {
  redis?: Redis;
  db?: Db;
  nowMs?: number;
  settleMs?: number;
  heartbeatIntervalMs?: number;
  /** Minutes folded in one call at most, oldest first, so a catch-up after an outage is spread. */
  maxMinutes?: number;
}

export interface FoldReport {
  minutesFolded: number;
  rowsWritten: number;
  fiveMinutesFolded: number;
  hoursFolded: number;
  membersTrimmed: number;
}

/**
 * One monitor tick: drops index members older than the counters' TTL, folds every minute that may
 * still change into minute rows (absolute totals, upserted), then every closed five minutes and
 * hour one of whose minutes changed into their rows (sums of the minute rows, upserted).
 * Idempotent throughout.
 */
export async function foldTraffic(options: FoldTrafficOptions = {}): Promise<FoldReport> {
  const redis = options.redis ?? getRedis();
  const db = options.db ?? getDb();
  const nowMs = options.nowMs ?? Date.now();
  const settleMs = options.settleMs ?? FOLD_SETTLE_MS;
  const membersTrimmed = await trimIndex(redis, nowMs);
  const minutes = await minutesToFold(redis, { settleMs, maxMinutes: options.maxMinutes ?? 240 });
  let rowsWritten = 0;
  for (const [minuteStartMs, members] of minutes) {
    rowsWritten += await foldMinute(redis, db, minuteStartMs, members, {
      nowMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    });
  }
  const folded = [];
  for (const level of SUMMED_LEVELS)
    folded.push(await foldClosedBuckets(redis, db, level, { nowMs, settleMs }));
  return {
    minutesFolded: minutes.size,
    rowsWritten,
    fiveMinutesFolded: folded[0]!,
    hoursFolded: folded[1]!,
    membersTrimmed,
  };
}

async function trimIndex(redis: Redis, nowMs: number): Promise<number> {
  const oldestKeptMs = nowMs - TRAFFIC_COUNTER_TTL_SECONDS * 1000;
  const old = await redis.zrangebyscore(TRAFFIC_MINUTES_KEY, "-inf", `(${oldestKeptMs}`);
  if (old.length === 0) return 0;
  await redis
    .multi()
    .zrem(TRAFFIC_MINUTES_KEY, ...old)
    .hdel(FOLDED_MINUTES_KEY, ...old)
    .exec();
  return old.length;
}

/** Minute → its index members, for minutes one of whose members may have changed since folded. */
async function minutesToFold(
  redis: Redis,
  { settleMs, maxMinutes }: { settleMs: number; maxMinutes: number },
): Promise<Map<number, string[]>> {
  const members = await redis.zrangebyscore(TRAFFIC_MINUTES_KEY, "-inf", "+inf");
  if (members.length === 0) return new Map();
  const foldedAt = await redis.hmget(FOLDED_MINUTES_KEY, ...members);
  const byMinute = new Map<number, { members: string[]; due: boolean }>();
  members.forEach((member, index) => {
    const parsed = parseTrafficMinuteMember(member);
    if (!parsed) return;
    const minute = byMinute.get(parsed.minuteStartMs) ?? { members: [], due: false };
    minute.members.push(member);
    const folded = Number(foldedAt[index] ?? Number.NaN);
    // All of a minute's deployments are folded together: they share its hosts' cost.
    if (!(folded >= parsed.minuteStartMs + MINUTE_MS + settleMs)) minute.due = true;
    byMinute.set(parsed.minuteStartMs, minute);
  });
  const due = [...byMinute].filter(([, minute]) => minute.due).sort(([a], [b]) => a - b);
  return new Map(due.slice(0, maxMinutes).map(([minuteStartMs, minute]) => [minuteStartMs, minute.members]));
}

async function foldMinute(
  redis: Redis,
  db: Db,
  minuteStartMs: number,
  members: string[],
  { nowMs, heartbeatIntervalMs }: { nowMs: number; heartbeatIntervalMs: number },
): Promise<number> {
  const deploymentIds = members.map((member) => parseTrafficMinuteMember(member)!.deploymentId);
  const pipeline = redis.pipeline();
  for (const deploymentId of deploymentIds) pipeline.hgetall(trafficKey(deploymentId, minuteStartMs));
  const hashes = (await pipeline.exec()) ?? [];
  const minutes = new Map<string, Map<string, VersionMinute>>();
  hashes.forEach(([error, hash], index) => {
    if (error) throw error;
    // An expired hash is not a minute without traffic: its rows stay as last folded.
    if (Object.keys(hash as object).length > 0)
      minutes.set(deploymentIds[index]!, decodeTrafficHash(hash as Record<string, string>));
  });

  const [deployments, versions, hosts] = await Promise.all([
    db.deployment.findMany({
      where: { id: { in: [...minutes.keys()] } },
      select: { id: true, teamId: true, device: true },
    }),
    db.modelVersion.findMany({
      where: { id: { in: [...minutes.values()].flatMap((byVersion) => [...byVersion.keys()]) } },
      select: { id: true },
    }),
    db.host.findMany({
      where: {
        startedAt: { lt: new Date(minuteStartMs + MINUTE_MS) },
        lastHeartbeatAt: { gte: new Date(minuteStartMs - heartbeatIntervalMs) },
      },
      include: { replicas: { select: { deploymentId: true, modelVersionId: true, memoryMb: true } } },
    }),
  ]);
  const knownVersions = new Set(versions.map((version) => version.id));
  const shareKey = (deploymentId: string, versionId: string) => `${deploymentId}|${versionId}`;
  const costs = shareHostsByVersion(
    hosts.map((host) => ({
      hostId: host.id,
      costMicrosPerHour: host.costMicrosPerHour,
      upUs: hostUpUsInMinute(
        { startedAtMs: host.startedAt.getTime(), lastHeartbeatAtMs: host.lastHeartbeatAt.getTime() },
        minuteStartMs,
        { nowMs, heartbeatIntervalMs },
      ),
      devices: servableDevices(host.executionProviders as string[]),
      gpuMemoryMb: host.gpuMemoryMb,
      replicas: host.replicas.map((replica) => ({
        versionId: shareKey(replica.deploymentId, replica.modelVersionId),
        memoryMb: replica.memoryMb,
      })),
    })),
    deployments.flatMap((deployment) =>
      [...minutes.get(deployment.id)!]
        .filter(([versionId]) => knownVersions.has(versionId))
        .map(([versionId, minute]) => ({
          versionId: shareKey(deployment.id, versionId),
          device: deployment.device,
          ran: ranThisMinute(minute),
          busyComputeUs: minute.runs.busyComputeUs,
        })),
    ),
  );

  const rows = deployments.flatMap((deployment) => {
    const byVersion = new Map(
      [...minutes.get(deployment.id)!].filter(([versionId]) => knownVersions.has(versionId)),
    );
    const costByVersion = new Map(
      [...byVersion.keys()].map((versionId) => [versionId, costs.get(shareKey(deployment.id, versionId))!]),
    );
    return rollupRowsOfMinute(byVersion, costByVersion).map((row) => ({
      ...row,
      deploymentId: deployment.id,
      teamId: deployment.teamId,
      bucketStartMs: minuteStartMs,
    }));
  });
  await upsertRollupRows(rows, "minute", db);

  const marks = redis.multi();
  marks.hset(FOLDED_MINUTES_KEY, Object.fromEntries(members.map((member) => [member, nowMs])));
  for (const { bucketMs, pendingKey } of SUMMED_LEVELS)
    for (const deployment of deployments)
      marks.zadd(pendingKey, nowMs, `${deployment.id}:${bucketStartOf(minuteStartMs, bucketMs)}`);
  await marks.exec();
  return rows.length;
}

/** Removes a pending bucket only if no minute fold touched it since it was read (another monitor). */
const REMOVE_IF_UNCHANGED = `
if redis.call("ZSCORE", KEYS[1], ARGV[1]) == ARGV[2] then return redis.call("ZREM", KEYS[1], ARGV[1]) end
return 0`;

async function foldClosedBuckets(
  redis: Redis,
  db: Db,
  { granularity, bucketMs, pendingKey }: SummedLevel,
  { nowMs, settleMs }: { nowMs: number; settleMs: number },
): Promise<number> {
  const pending = await redis.zrange(pendingKey, 0, -1, "WITHSCORES");
  let folded = 0;
  for (let index = 0; index < pending.length; index += 2) {
    const member = pending[index]!;
    const parsed = parseTrafficMinuteMember(member);
    if (!parsed) continue;
    const { deploymentId, minuteStartMs: startMs } = parsed;
    if (startMs + bucketMs + settleMs > nowMs) continue;
    const deployment = await db.deployment.findUnique({
      where: { id: deploymentId },
      select: { teamId: true },
    });
    if (deployment) {
      const minuteRows = await readRollupRows(
        {
          deploymentIds: [deploymentId],
          granularity: "minute",
          fromMs: startMs,
          toMs: startMs + bucketMs,
          histograms: "all",
        },
        db,
      );
      const sums = sumRowsBy(minuteRows, (row) => `${row.versionId}|${row.role}`);
      await upsertRollupRows(
        [...sums.values()].map(({ first, counts }) => ({
          deploymentId,
          teamId: deployment.teamId,
          versionId: first.versionId,
          role: first.role,
          bucketStartMs: startMs,
          counts,
        })),
        granularity,
        db,
      );
      folded += 1;
    }
    await redis.eval(REMOVE_IF_UNCHANGED, 1, pendingKey, member, pending[index + 1]!);
  }
  return folded;
}
