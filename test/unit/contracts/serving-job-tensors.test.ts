import { describe, expect, it } from "vitest";
import {
  decodeServingJob,
  decodeServingJobResult,
  encodeServingJob,
  SERVING_JOB_SCHEMA_VERSION,
  ZQueuedServingJob,
  type QueuedServingJobResult,
} from "@/server/contracts/serving";
import { toWireTensor, type WireTensor } from "@/server/domain/inference/datatypes";
import { packedToQueued, packWireTensor } from "@/workers/runtime/tensor-convert";

const TENSORS: WireTensor[] = [
  { name: "f32", datatype: "FP32", shape: [2, 2], data: [0.25, -1.5, "NaN", "-Infinity"] },
  { name: "f16", datatype: "FP16", shape: [2], data: [0.5, "Infinity"] },
  { name: "i64", datatype: "INT64", shape: [2], data: [-Number.MAX_SAFE_INTEGER, 7] },
  { name: "u8", datatype: "UINT8", shape: [2], data: [0, 255] },
  { name: "flags", datatype: "BOOL", shape: [2], data: [true, false] },
  { name: "words", datatype: "BYTES", shape: [2], data: ["cat", "naïve"] },
];
const job = {
  deploymentId: "d1",
  versionId: "v1",
  artifactSha256: "a".repeat(64),
  device: "cpu" as const,
  enqueuedAtMs: 1,
  deadlineAtMs: 2,
  replyTo: "replies",
  requests: [{ requestId: "r1", inputs: TENSORS, outputNames: ["y"] }],
};

describe("serving job tensors on the queue", () => {
  it("a job's tensors travel as bytes (BYTES as they are) and come back the same, through JSON", () => {
    const queued = encodeServingJob(job);
    expect(queued.schemaVersion).toBe(SERVING_JOB_SCHEMA_VERSION);
    const inputs = queued.requests[0]!.inputs;
    expect(inputs.map((tensor) => ("base64" in tensor ? "bytes" : "json"))).toEqual([
      "bytes",
      "bytes",
      "bytes",
      "bytes",
      "bytes",
      "json",
    ]);
    const parsed = ZQueuedServingJob.parse(JSON.parse(JSON.stringify(queued)));
    const decoded = decodeServingJob(parsed);
    // FP32 and FP64 come as typed arrays, ready for onnxruntime; the rest as JSON gives them.
    const f32 = decoded.requests[0]!.inputs[0]!.data;
    expect(f32).toBeInstanceOf(Float32Array);
    expect(Array.from(f32 as Float32Array)).toEqual([0.25, -1.5, NaN, -Infinity]);
    const { inputs: decodedInputs, ...request } = decoded.requests[0]!;
    expect({ ...decoded, requests: [{ ...request, inputs: decodedInputs.slice(1) }] }).toEqual({
      ...job,
      schemaVersion: SERVING_JOB_SCHEMA_VERSION,
      requests: [{ ...job.requests[0], inputs: TENSORS.slice(1) }],
    });
  });

  it("a job of an older gateway (no schemaVersion, JSON arrays) still parses, as version 1", () => {
    const { replyTo: _, ...older } = job;
    const parsed = ZQueuedServingJob.parse(JSON.parse(JSON.stringify(older)));
    expect(parsed.schemaVersion).toBe(1);
    expect(decodeServingJob(parsed).requests[0]!.inputs).toEqual(TENSORS);
  });

  it("a worker's outputs go back as their typed arrays' bytes and decode to the JSON path's tensors", () => {
    const outputs = TENSORS.map((tensor) => packedToQueued(packWireTensor(tensor)));
    expect(outputs.map((tensor) => ("base64" in tensor ? "bytes" : "json"))).toEqual([
      "bytes",
      "bytes",
      "bytes",
      "bytes",
      "bytes",
      "json",
    ]);
    const result = {
      results: [
        { requestId: "r1", ok: true as const, outputs },
        { requestId: "r2", ok: false as const, error: "bad input" },
      ],
      hostName: "h",
      executionProvider: "cpu",
      computeUs: 5,
      batchRows: 2,
      queueWaitUs: 3,
    };
    const queued = JSON.parse(JSON.stringify(result)) as QueuedServingJobResult;
    expect(JSON.stringify(queued)).not.toContain("0.25");
    const decoded = decodeServingJobResult(queued);
    const [ok, failed] = decoded.results;
    if (!ok?.ok) throw new Error("the first result should be ok");
    // The gateway gets FP32 and FP64 outputs as typed arrays, which read as the JSON path's values.
    expect(ok.outputs[0]!.data).toBeInstanceOf(Float32Array);
    expect({ ...decoded, results: [{ ...ok, outputs: ok.outputs.map(toWireTensor) }, failed] }).toEqual({
      ...result,
      results: [{ requestId: "r1", ok: true, outputs: TENSORS }, result.results[1]],
    });
  });

  it("bytes that do not fit the tensor's shape make the job invalid, naming the tensor", () => {
    const queued = encodeServingJob(job);
    const request = queued.requests[0]!;
    request.inputs[0] = { ...request.inputs[0]!, shape: [3, 2] };
    expect(() => decodeServingJob(queued)).toThrow(
      "input 'f32': binary_data_size is 16 bytes but 6 FP32 elements take 24",
    );
  });
});
