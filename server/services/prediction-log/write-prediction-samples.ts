import type { Redis } from "ioredis";
import type { Prisma } from "@/generated/prisma/client";
import {
  decodePredictionSamples,
  PREDICTION_SAMPLE_FIELD,
  PREDICTION_SAMPLES_GROUP,
  PREDICTION_SAMPLES_STREAM,
  type PredictionSampleEntry,
} from "@/server/contracts/prediction-samples";
import { getDb } from "@/server/db";

/** Entries (of up to 500 samples each) read per round trip, and at most per call (a tick ends; the next one goes on). */
const READ_COUNT = 20;
const MAX_ENTRIES_PER_CALL = 200;
/** A consumer that died holding entries: after this long another monitor takes them over. */
const CLAIM_IDLE_MS = 30_000;

type StreamEntry = [id: string, fields: string[]];

export interface WriteSamplesReport {
  /** Rows inserted; a sample written before (by a monitor that died before acknowledging) is not. */
  written: number;
  /** Samples that did not parse, or name a deployment or version no longer there: acknowledged. */
  skipped: number;
}

/**
 * Moves the prediction log from the Redis stream to Postgres: entries read through the monitors'
 * consumer group (and ones a dead monitor held, claimed after CLAIM_IDLE_MS), written in one
 * createMany per read, then acknowledged and deleted. An entry is acknowledged only after its
 * write committed, so a crash or an unavailable database leaves it to be written again: at least
 * once, with the stream's id as the row's id so a second write of it is skipped (exactly once).
 */
export async function writePredictionSamples({
  redis,
  consumer,
  claimIdleMs = CLAIM_IDLE_MS,
}: {
  redis: Redis;
  consumer: string;
  claimIdleMs?: number;
}): Promise<WriteSamplesReport> {
  await ensureGroup(redis);
  try {
    return await moveEntries(redis, consumer, claimIdleMs);
  } catch (error) {
    // A Redis that restarted without its data has lost the group too: the next tick makes it again.
    if (error instanceof Error && error.message.startsWith("NOGROUP")) groupsMade.delete(redis);
    throw error;
  }
}

async function moveEntries(redis: Redis, consumer: string, claimIdleMs: number): Promise<WriteSamplesReport> {
  const report: WriteSamplesReport = { written: 0, skipped: 0 };
  const [, claimed] = (await redis.xautoclaim(
    PREDICTION_SAMPLES_STREAM,
    PREDICTION_SAMPLES_GROUP,
    consumer,
    claimIdleMs,
    "0-0",
    "COUNT",
    READ_COUNT,
  )) as [string, StreamEntry[]];
  await writeEntries(redis, claimed, report);
  for (let read = 0; read < MAX_ENTRIES_PER_CALL; read += READ_COUNT) {
    const read = (await redis.xreadgroup(
      "GROUP",
      PREDICTION_SAMPLES_GROUP,
      consumer,
      "COUNT",
      READ_COUNT,
      "STREAMS",
      PREDICTION_SAMPLES_STREAM,
      ">",
    )) as [string, StreamEntry[]][] | null;
    const entries = read?.[0]?.[1] ?? [];
    await writeEntries(redis, entries, report);
    if (entries.length < READ_COUNT) break;
  }
  return report;
}

async function writeEntries(redis: Redis, entries: StreamEntry[], report: WriteSamplesReport): Promise<void> {
  if (entries.length === 0) return;
  // Each sample's row id is its entry's id and place in it, so a second write of it is skipped.
  const decoded = entries.flatMap(([id, fields]) =>
    decodePredictionSamples(sampleField(fields)).map((sample, index) => ({ id: `${id}_${index}`, sample })),
  );
  const samples = decoded.filter(
    (entry): entry is { id: string; sample: PredictionSampleEntry } => entry.sample !== null,
  );
  const rows = await rowsOf(samples);
  if (rows.length > 0)
    report.written += (await getDb().predictionSample.createMany({ data: rows, skipDuplicates: true })).count;
  report.skipped += decoded.length - rows.length;
  const ids = entries.map(([id]) => id);
  await redis
    .pipeline()
    .xack(PREDICTION_SAMPLES_STREAM, PREDICTION_SAMPLES_GROUP, ...ids)
    .xdel(PREDICTION_SAMPLES_STREAM, ...ids)
    .exec();
}

/** Rows for the samples whose deployment and version still exist, with their team. */
async function rowsOf(
  samples: { id: string; sample: PredictionSampleEntry }[],
): Promise<Prisma.PredictionSampleCreateManyInput[]> {
  if (samples.length === 0) return [];
  const db = getDb();
  const [deployments, versions] = await Promise.all([
    db.deployment.findMany({
      where: { id: { in: [...new Set(samples.map(({ sample }) => sample.deploymentId))] } },
      select: { id: true, teamId: true },
    }),
    db.modelVersion.findMany({
      where: { id: { in: [...new Set(samples.map(({ sample }) => sample.versionId))] } },
      select: { id: true },
    }),
  ]);
  const teamOf = new Map(deployments.map((deployment) => [deployment.id, deployment.teamId]));
  const versionIds = new Set(versions.map((version) => version.id));
  return samples.flatMap(({ id, sample }) => {
    const teamId = teamOf.get(sample.deploymentId);
    if (teamId === undefined || !versionIds.has(sample.versionId)) return [];
    return [
      {
        id: `ps_${id}`,
        teamId,
        deploymentId: sample.deploymentId,
        modelVersionId: sample.versionId,
        requestId: sample.requestId,
        latencyUs: sample.latencyUs,
        inputs: sample.inputs as Prisma.InputJsonValue,
        outputs: sample.outputs as Prisma.InputJsonValue,
        createdAt: new Date(sample.answeredAtMs),
      },
    ];
  });
}

function sampleField(fields: string[]): string {
  const index = fields.indexOf(PREDICTION_SAMPLE_FIELD);
  return index >= 0 ? (fields[index + 1] ?? "") : "";
}

const groupsMade = new WeakSet<Redis>();

/** The consumer group, made once per connection; XGROUP's key is not prefixed by ioredis. */
async function ensureGroup(redis: Redis): Promise<void> {
  if (groupsMade.has(redis)) return;
  const stream = `${redis.options.keyPrefix ?? ""}${PREDICTION_SAMPLES_STREAM}`;
  try {
    await redis.xgroup("CREATE", stream, PREDICTION_SAMPLES_GROUP, "0", "MKSTREAM");
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("BUSYGROUP")) throw error;
  }
  groupsMade.add(redis);
}
