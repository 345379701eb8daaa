import type { Redis } from "ioredis";
import {
  encodePredictionSamples,
  PREDICTION_SAMPLE_FIELD,
  PREDICTION_SAMPLES_MAX_LENGTH,
  PREDICTION_SAMPLES_PER_ENTRY,
  PREDICTION_SAMPLES_STREAM,
  type PredictionSampleEntry,
} from "@/server/contracts/prediction-samples";
import { toWireTensor, type HeldTensor } from "@/server/domain/inference/datatypes";
import type { InferenceTarget } from "@/server/gateway/choose-target";
import { getLogger } from "@/server/logger";

/** While Redis is down every flush fails: one line per this long is enough. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

export interface PredictionSamplerOptions {
  flushIntervalMs?: number;
  /**
   * Tensor values (inputs and outputs) held between flushes at most; past it, until the next
   * flush, samples are dropped. Bounds the memory sampling takes whatever the request size.
   */
  maxBufferedValues?: number;
  /** A request with more tensor values than this is not sampled (a drift window needs rows, not one huge request). */
  maxValuesPerSample?: number;
  /** Uniform in [0, 1): the sampling draw (tests pass a seeded one). */
  random?: () => number;
}

/**
 * The prediction log's producer: each answered request of a deployment is kept with probability
 * its predictionSampleRate, and the kept ones are encoded together and appended to the samples
 * stream as one entry per PREDICTION_SAMPLES_PER_ENTRY per interval, the stream capped (MAXLEN ~).
 * A request costs a random draw; a sampled one a reference to what it already holds. Sampling is
 * best effort: a flush that fails drops its samples.
 */
export class PredictionSampler {
  private buffer: PredictionSampleEntry[] = [];
  private readonly timer: NodeJS.Timeout;
  private bufferedValues = 0;
  private readonly maxBufferedValues: number;
  private readonly maxValuesPerSample: number;
  private readonly random: () => number;
  private failureLoggedAtMs = 0;
  /** Samples dropped because the buffer was full or a flush failed (for tests and logs). */
  droppedCount = 0;

  constructor(
    private readonly redis: Redis,
    options: PredictionSamplerOptions = {},
  ) {
    this.maxBufferedValues = options.maxBufferedValues ?? 1_000_000;
    this.maxValuesPerSample = options.maxValuesPerSample ?? 65_536;
    this.random = options.random ?? Math.random;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 250);
    this.timer.unref();
  }

  offer(target: InferenceTarget, outputs: HeldTensor[], latencyUs: number): void {
    const rate = target.deployment.predictionSampleRate;
    if (rate <= 0 || this.random() >= rate) return;
    const values = valueCount(target.request.inputs) + valueCount(outputs);
    if (values > this.maxValuesPerSample || this.bufferedValues + values > this.maxBufferedValues) {
      this.droppedCount++;
      return;
    }
    this.bufferedValues += values;
    this.buffer.push({
      deploymentId: target.deployment.id,
      versionId: target.version.versionId,
      requestId: target.callerId ?? null,
      latencyUs: Math.round(latencyUs),
      answeredAtMs: Date.now(),
      // Samples travel as JSON: typed arrays are spelled out, for the sampled requests only.
      inputs: target.request.inputs.map(toWireTensor),
      outputs: outputs.map(toWireTensor),
    });
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const samples = this.buffer;
    this.buffer = [];
    this.bufferedValues = 0;
    const pipeline = this.redis.pipeline();
    for (let start = 0; start < samples.length; start += PREDICTION_SAMPLES_PER_ENTRY)
      pipeline.xadd(
        PREDICTION_SAMPLES_STREAM,
        "MAXLEN",
        "~",
        PREDICTION_SAMPLES_MAX_LENGTH,
        "*",
        PREDICTION_SAMPLE_FIELD,
        encodePredictionSamples(samples.slice(start, start + PREDICTION_SAMPLES_PER_ENTRY)),
      );
    try {
      await pipeline.exec();
    } catch (error) {
      this.droppedCount += samples.length;
      if (Date.now() - this.failureLoggedAtMs < FAILURE_LOG_INTERVAL_MS) return;
      this.failureLoggedAtMs = Date.now();
      getLogger().warn(
        { component: "gateway", err: error, dropped: samples.length },
        "prediction samples could not be written to Redis; they are dropped",
      );
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

function valueCount(tensors: readonly HeldTensor[]): number {
  let count = 0;
  for (const tensor of tensors) count += tensor.data.length;
  return count;
}
