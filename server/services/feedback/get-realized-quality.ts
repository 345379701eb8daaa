import { z } from "zod";
import { ZWireTensor } from "@/server/domain/inference/datatypes";
import { estimatedAccuracy, estimatedRocAuc } from "@/server/domain/quality/estimated-performance";
import {
  realizedMetrics,
  rowPredictions,
  type QualityTask,
  type RowPrediction,
} from "@/server/domain/quality/realized-quality";
import { getDb } from "@/server/db";
import { findDeploymentOrThrow } from "@/server/services/deployment/find-deployment";
import { qualityTaskOf } from "@/server/services/feedback/quality-task";

const HOUR_MS = 60 * 60 * 1000;
export const QUALITY_RANGES = {
  "24h": { ms: 24 * HOUR_MS, bucketMs: HOUR_MS },
  "7d": { ms: 7 * 24 * HOUR_MS, bucketMs: 24 * HOUR_MS },
  "30d": { ms: 30 * 24 * HOUR_MS, bucketMs: 24 * HOUR_MS },
} as const;
/** Rows kept per version and bucket; past it the bucket's figures are over its first rows. */
const MAX_ROWS_PER_BUCKET = 200_000;
const PAGE_ROWS = 2_000;
const ZOutputs = ZWireTensor.array();
const ZInputs = ZWireTensor.array();

export const ZGetRealizedQualityInput = z.object({
  name: z.string().min(1),
  range: z.enum(["24h", "7d", "30d"], { error: "the range must be one of 24h, 7d or 30d" }).default("24h"),
});

const ZMetrics = z.record(z.string(), z.number().nullable());
const ZQualityPoint = z.object({
  bucketStartMs: z.number(),
  /** Logged requests in the bucket, and how many of them have labels. */
  samples: z.number().int(),
  labelledSamples: z.number().int(),
  labelledShare: z.number(),
  realized: ZMetrics,
  /** From the probabilities alone (binary classifiers): what the labels will likely say. */
  estimated: z.object({ accuracy: z.number().nullable(), roc_auc: z.number().nullable() }).nullable(),
});
export const ZGetRealizedQualityOutput = z.object({
  task: z.string().nullable(),
  versions: z.array(z.object({ versionNumber: z.number().int(), points: z.array(ZQualityPoint) })),
});
export type RealizedQualityOutput = z.output<typeof ZGetRealizedQualityOutput>;

export interface Bucket {
  samples: number;
  labelledSamples: number;
  scores: number[];
  labelled: (RowPrediction & { label: number })[];
}

/**
 * Realized quality per version and hour (or day): the logged predictions joined to their labels
 * by request id, scored by the deployment's task, with the share labelled and, for binary
 * classifiers, the label-free estimate over every logged prediction beside it.
 */
export async function getRealizedQuality({
  teamId,
  name,
  range,
  nowMs = Date.now(),
  sinceMs,
}: z.output<typeof ZGetRealizedQualityInput> & {
  teamId: string;
  nowMs?: number;
  /** Only the buckets from the one holding this moment (an alert's window), not the whole range. */
  sinceMs?: number;
}): Promise<RealizedQualityOutput> {
  const deployment = await findDeploymentOrThrow(teamId, name);
  const task = await qualityTaskOf(deployment);
  if (!task) return { task: null, versions: [] };
  const { ms, bucketMs } = QUALITY_RANGES[range];
  const rangeFromMs = Math.floor((nowMs - ms) / bucketMs) * bucketMs + bucketMs;
  const fromMs =
    sinceMs === undefined ? rangeFromMs : Math.max(rangeFromMs, Math.floor(sinceMs / bucketMs) * bucketMs);
  const buckets = await readQualityBuckets({ deploymentId: deployment.id, task, fromMs, bucketMs });
  const numbers = new Map(
    (
      await getDb().modelVersion.findMany({
        where: { id: { in: [...buckets.keys()] } },
        select: { id: true, number: true },
      })
    ).map((version) => [version.id, version.number]),
  );
  return {
    task: task.kind,
    versions: [...buckets]
      .map(([versionId, byBucket]) => ({
        versionNumber: numbers.get(versionId) ?? 0,
        points: [...byBucket]
          .sort(([a], [b]) => a - b)
          .map(([bucketStartMs, bucket]) => pointOf(task, bucketStartMs, bucket)),
      }))
      .sort((a, b) => a.versionNumber - b.versionNumber),
  };
}

/**
 * A deployment's logged predictions from `fromMs` (to `toMs`) folded per version and bucket of
 * `bucketMs`, a page at a time, each joined to its label by request id. Shared with the canary
 * analysis, which reads one bucket: its interval.
 */
export async function readQualityBuckets({
  deploymentId,
  task,
  fromMs,
  toMs,
  bucketMs,
}: {
  deploymentId: string;
  task: QualityTask;
  fromMs: number;
  toMs?: number;
  bucketMs: number;
}): Promise<Map<string, Map<number, Bucket>>> {
  const buckets = new Map<string, Map<number, Bucket>>();
  const db = getDb();
  const createdAt = { gte: new Date(fromMs), ...(toMs !== undefined && { lt: new Date(toMs) }) };
  let cursor: string | undefined;
  for (;;) {
    const page = await db.predictionSample.findMany({
      where: { deploymentId, createdAt },
      select: {
        id: true,
        modelVersionId: true,
        requestId: true,
        createdAt: true,
        inputs: true,
        outputs: true,
      },
      orderBy: { id: "asc" },
      take: PAGE_ROWS,
      ...(cursor && { cursor: { id: cursor }, skip: 1 }),
    });
    const ids = page.flatMap((sample) => (sample.requestId ? [sample.requestId] : []));
    const labels = new Map(
      (
        await db.predictionLabel.findMany({
          where: { deploymentId, requestId: { in: ids } },
          select: { requestId: true, values: true },
        })
      ).map((label) => [label.requestId, label.values]),
    );
    for (const sample of page) {
      const bucketStartMs = Math.floor(sample.createdAt.getTime() / bucketMs) * bucketMs;
      const bucket = bucketOf(buckets, sample.modelVersionId, bucketStartMs);
      addSample(bucket, task, sample, sample.requestId ? labels.get(sample.requestId) : undefined);
    }
    if (page.length < PAGE_ROWS) return buckets;
    cursor = page.at(-1)!.id;
  }
}

function bucketOf(buckets: Map<string, Map<number, Bucket>>, versionId: string, startMs: number): Bucket {
  let byBucket = buckets.get(versionId);
  if (!byBucket) buckets.set(versionId, (byBucket = new Map()));
  let bucket = byBucket.get(startMs);
  if (!bucket) byBucket.set(startMs, (bucket = { samples: 0, labelledSamples: 0, scores: [], labelled: [] }));
  return bucket;
}

function addSample(
  bucket: Bucket,
  task: QualityTask,
  sample: { inputs: unknown; outputs: unknown },
  labels: number[] | undefined,
): void {
  bucket.samples++;
  const outputs = ZOutputs.safeParse(sample.outputs);
  const inputs = ZInputs.safeParse(sample.inputs);
  if (!outputs.success || !inputs.success) return;
  const rowCount = inputs.data[0]?.shape[0] ?? 1;
  const predictions = rowPredictions(task, outputs.data, rowCount);
  if (typeof predictions === "string" || bucket.scores.length >= MAX_ROWS_PER_BUCKET) return;
  for (const prediction of predictions) bucket.scores.push(prediction.score);
  if (!labels || labels.length !== predictions.length) return;
  bucket.labelledSamples++;
  predictions.forEach((prediction, row) => bucket.labelled.push({ ...prediction, label: labels[row]! }));
}

export function pointOf(task: QualityTask, bucketStartMs: number, bucket: Bucket) {
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    bucketStartMs,
    samples: bucket.samples,
    labelledSamples: bucket.labelledSamples,
    labelledShare: bucket.samples === 0 ? 0 : bucket.labelledSamples / bucket.samples,
    realized: realizedMetrics(task, bucket.labelled),
    estimated:
      task.kind === "binary-classification"
        ? {
            accuracy: finite(estimatedAccuracy(bucket.scores)),
            roc_auc: finite(estimatedRocAuc(bucket.scores)),
          }
        : null,
  };
}
