import { z } from "zod";
import { ZWireTensor } from "@/server/domain/inference/datatypes";

/**
 * The serving queues: jobs of batched inference requests, and the reply lists their results come
 * back on. Producer of jobs and reader of replies: the gateway (server/gateway/job-dispatcher.ts,
 * server/gateway/serving-replies.ts). Consumer of jobs and writer of replies: the serving worker
 * (workers/serving/serving-worker.ts). Payloads carry schemaVersion; a field added later is
 * optional, so jobs already queued by an older gateway still parse in a newer worker.
 */

/** The devices a deployment can ask for (Prisma's Device enum). */
export const SERVING_DEVICES = ["cpu", "cuda"] as const;
export type ServingDevice = (typeof SERVING_DEVICES)[number];
export const ZServingDevice = z.enum(SERVING_DEVICES);

/**
 * One queue per device class: a job reaches only hosts that can run it where it asks, so a CPU
 * host never takes a CUDA job (and runs it on CPU without saying so). Within a queue any host
 * can load any version (sessions are cached LRU).
 */
export function servingQueueName(device: ServingDevice): string {
  return `serving-${device}`;
}

/**
 * The devices whose queues a host consumes, from the execution providers its probe model
 * really ran (not the ones onnxruntime merely lists): CUDA only where a CUDA session was
 * created, CPU wherever the CPU provider runs.
 */
export function servableDevices(workingProviders: readonly string[]): ServingDevice[] {
  return SERVING_DEVICES.filter((device) => workingProviders.includes(device));
}

/** A model version's artifact, by the sha256 the artifact store keeps it under (lowercase hex). */
export const ZArtifactSha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** The payload shape the gateway writes today. */
export const SERVING_JOB_SCHEMA_VERSION = 1;

export const ZServingRequest = z.object({
  requestId: z.string(),
  inputs: z.array(ZWireTensor),
  /** Requested outputs; all of the model's outputs when absent. */
  outputNames: z.array(z.string()).optional(),
  /**
   * The W3C trace context of the request's span in the gateway (`traceparent`, validated there),
   * when its caller sent one: the worker logs it with the run. Optional: absent on untraced
   * requests and on jobs of a gateway older than the field.
   */
  traceparent: z.string().optional(),
});
export type ServingRequest = z.infer<typeof ZServingRequest>;

/** A job for a target (one model version today): the gateway batches concurrent requests into it. */
export const ZServingJob = z.object({
  /** Jobs queued before the field existed are version 1. */
  schemaVersion: z.literal(SERVING_JOB_SCHEMA_VERSION).default(SERVING_JOB_SCHEMA_VERSION),
  deploymentId: z.string(),
  versionId: z.string(),
  /**
   * The deployment's name and the version's number, for the worker's Prometheus labels (which
   * never carry ids). Optional: jobs of a gateway older than the fields are labelled "unknown".
   */
  deploymentName: z.string().optional(),
  versionNumber: z.number().int().positive().optional(),
  artifactSha256: ZArtifactSha256,
  device: ZServingDevice,
  requests: z.array(ZServingRequest).min(1),
  enqueuedAtMs: z.number(),
  /**
   * Wall-clock time (epoch ms) after which no caller of this job waits any more: the latest
   * deadline of its requests, each counted from when its bytes started arriving. The worker drops
   * a job picked up past it instead of running it. Optional: jobs queued by a gateway older than
   * the field run as before.
   */
  deadlineAtMs: z.number().optional(),
  /**
   * The Redis key (servingReplyListKey, whole) of the list the worker pushes this job's reply to:
   * each gateway reads only its own. Absent on jobs of a gateway older than the field, which waits
   * for the job's return value through BullMQ's events instead.
   */
  replyTo: z.string().optional(),
});
export type ServingJob = z.infer<typeof ZServingJob>;

export const ZServingRequestResult = z.discriminatedUnion("ok", [
  z.object({ requestId: z.string(), ok: z.literal(true), outputs: z.array(ZWireTensor) }),
  z.object({ requestId: z.string(), ok: z.literal(false), error: z.string() }),
]);
export type ServingRequestResult = z.infer<typeof ZServingRequestResult>;

export const ZServingJobResult = z.object({
  results: z.array(ZServingRequestResult),
  hostName: z.string(),
  executionProvider: z.string(),
  /** Time the model ran for this job, summed over its session runs. */
  computeUs: z.number().int().nonnegative(),
  /** Rows of the largest session run this job took part in (after the worker merged jobs). */
  batchRows: z.number().int().nonnegative(),
  /** From enqueue to the worker picking the job up. */
  queueWaitUs: z.number().int().nonnegative(),
});
export type ServingJobResult = z.infer<typeof ZServingJobResult>;

/**
 * What a worker pushes to a job's reply list when the job ends: its result, or the reason it
 * failed for good (the last attempt, or one not worth retrying). `jobId` is the BullMQ job id the
 * gateway chose. A job retried after its worker died may reply twice; the gateway reads the first.
 */
export type ServingReply =
  { jobId: string; ok: true; result: ServingJobResult } | { jobId: string; ok: false; reason: string };

/**
 * The reply list of one gateway instance, under REDIS_KEY_PREFIX, written whole (the gateway's and
 * the worker's connections add no prefix). A gateway's instance id is new at every start, so a
 * restarted gateway never reads replies meant for the requests of its previous life.
 */
export function servingReplyListKey(keyPrefix: string, gatewayInstanceId: string): string {
  return `${keyPrefix}serving:replies:${gatewayInstanceId}`;
}

/**
 * Every push renews the list's expiry: the list of a gateway that stopped or died, which nobody
 * reads any more, is gone this long after its last reply.
 */
export const SERVING_REPLY_LIST_TTL_MS = 60_000;

/**
 * The failed reason of a job the worker dropped because its deadline had passed when it was picked
 * up. The gateway turns it into DEADLINE_EXCEEDED (504), never into an internal error.
 */
export const SERVING_DEADLINE_PASSED_REASON = "deadline passed before the model ran";

/**
 * Results travel on reply lists, so a completed job is removed at once; failed ones are kept a
 * while for inspection, bounded. A stalled job (worker killed) is retried once.
 */
export const SERVING_JOB_OPTIONS = {
  attempts: 2,
  removeOnComplete: true,
  removeOnFail: { age: 600, count: 1_000 },
} as const;
