import { z } from "zod";
import {
  ZV2Datatype,
  ZWireTensor,
  type HeldTensor,
  type WireTensor,
} from "@/server/domain/inference/datatypes";
import {
  decodeBinaryFloats,
  decodeBinaryTensor,
  encodeBinaryTensor,
} from "@/server/domain/inference/v2-binary-tensors";

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

/**
 * The payload shape the gateway writes today. 1: tensors as JSON arrays. 2: tensors other than
 * BYTES as their raw bytes (ZTensorBytes), in the job and in its reply; a worker answers a
 * version-1 job in JSON arrays, which is all its gateway reads.
 */
export const SERVING_JOB_SCHEMA_VERSION = 2;

/**
 * A tensor as its elements' bytes in the binary tensor data extension's layout, base64 in the
 * job's JSON (BullMQ stores job data as a JSON string): for 1M FP32 values 5.3 MB that encode and
 * decode at memory speed, against 19 MB of numbers formatted and parsed one by one.
 */
export const ZTensorBytes = z.object({
  name: z.string(),
  datatype: ZV2Datatype.exclude(["BYTES"]),
  shape: z.array(z.number().int().nonnegative()),
  base64: z.string(),
});
export type TensorBytes = z.infer<typeof ZTensorBytes>;
const ZQueuedTensor = z.union([ZWireTensor, ZTensorBytes]);
export type QueuedTensor = z.infer<typeof ZQueuedTensor>;

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
/** A request as the gateway holds it: its inputs may be typed arrays, which the job carries as bytes. */
export type ServingRequest = Omit<z.infer<typeof ZServingRequest>, "inputs"> & { inputs: HeldTensor[] };

/** A job for a target (one model version today): the gateway batches concurrent requests into it. */
export const ZServingJob = z.object({
  /** Jobs queued before the field existed are version 1. */
  schemaVersion: z.union([z.literal(1), z.literal(SERVING_JOB_SCHEMA_VERSION)]).default(1),
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
export type ServingJob = Omit<z.infer<typeof ZServingJob>, "requests"> & { requests: ServingRequest[] };

/** A job as it is on the queue: its tensors as JSON arrays or as bytes (schema version 2). */
export const ZQueuedServingJob = ZServingJob.extend({
  requests: z.array(ZServingRequest.extend({ inputs: z.array(ZQueuedTensor) })).min(1),
});
export type QueuedServingJob = z.infer<typeof ZQueuedServingJob>;

export const ZServingRequestResult = z.discriminatedUnion("ok", [
  z.object({ requestId: z.string(), ok: z.literal(true), outputs: z.array(ZWireTensor) }),
  z.object({ requestId: z.string(), ok: z.literal(false), error: z.string() }),
]);
/** A result as the gateway holds it: FP32 and FP64 outputs in typed arrays, straight from their bytes. */
export type ServingRequestResult =
  { requestId: string; ok: true; outputs: HeldTensor[] } | { requestId: string; ok: false; error: string };

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
export type ServingJobResult = Omit<z.infer<typeof ZServingJobResult>, "results"> & {
  results: ServingRequestResult[];
};

/**
 * A result as it is on a reply list: its outputs as bytes for a job of version 2 (the worker
 * writes them from its typed arrays, packedToQueued in workers/runtime/tensor-convert.ts), as
 * JSON arrays for a job of version 1, whose gateway reads nothing else.
 */
export type QueuedServingJobResult = Omit<ServingJobResult, "results"> & {
  results: Array<
    { requestId: string; ok: true; outputs: QueuedTensor[] } | Extract<ServingRequestResult, { ok: false }>
  >;
};

/** The gateway's side: a job's tensors as bytes, BYTES tensors as they are. */
export function encodeServingJob(job: Omit<ServingJob, "schemaVersion">): QueuedServingJob {
  return {
    ...job,
    schemaVersion: SERVING_JOB_SCHEMA_VERSION,
    requests: job.requests.map((request) => ({ ...request, inputs: request.inputs.map(tensorToBytes) })),
  };
}

/**
 * The worker's side: FP32 and FP64 inputs in typed arrays straight from their bytes (an array of
 * a million numbers costs 20 ms to build and as much to pack again), the others as JSON arrays.
 * Throws an Error naming the tensor when its bytes do not fit its shape.
 */
export function decodeServingJob(job: QueuedServingJob): ServingJob {
  return {
    ...job,
    requests: job.requests.map((request) => ({ ...request, inputs: request.inputs.map(heldTensorOf) })),
  };
}

/** FP32 and FP64 bytes become typed arrays; the other datatypes JSON arrays. */
function heldTensorOf(tensor: QueuedTensor): HeldTensor {
  if (!("base64" in tensor) || (tensor.datatype !== "FP32" && tensor.datatype !== "FP64"))
    return tensorFromBytes(tensor);
  const { name, datatype, shape } = tensor;
  const bytes = Buffer.from(tensor.base64, "base64");
  return { name, datatype, shape, data: decodeBinaryFloats(bytes, datatype, elementCount(shape), name) };
}

/** The gateway's side of a reply. */
export function decodeServingJobResult(result: QueuedServingJobResult): ServingJobResult {
  return {
    ...result,
    results: result.results.map((one) => (one.ok ? { ...one, outputs: one.outputs.map(heldTensorOf) } : one)),
  };
}

function tensorToBytes(tensor: HeldTensor): QueuedTensor {
  if (tensor.datatype === "BYTES") return tensor as WireTensor;
  const bytes = encodeBinaryTensor(tensor);
  const { name, datatype, shape } = tensor;
  return {
    name,
    datatype,
    shape,
    base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"),
  };
}

function tensorFromBytes(tensor: QueuedTensor): WireTensor {
  if (!("base64" in tensor)) return tensor;
  const { name, datatype, shape } = tensor;
  const count = elementCount(shape);
  return {
    name,
    datatype,
    shape,
    data: decodeBinaryTensor(Buffer.from(tensor.base64, "base64"), datatype, count, name),
  };
}

/**
 * What a worker pushes to a job's reply list when the job ends: its result, or the reason it
 * failed for good (the last attempt, or one not worth retrying). `jobId` is the BullMQ job id the
 * gateway chose. A job retried after its worker died may reply twice; the gateway reads the first.
 */
export type ServingReply =
  { jobId: string; ok: true; result: QueuedServingJobResult } | { jobId: string; ok: false; reason: string };

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

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}
