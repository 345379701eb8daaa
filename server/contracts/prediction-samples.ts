import { z } from "zod";
import { ZWireTensor } from "@/server/domain/inference/datatypes";

/**
 * The prediction log's hop from gateways to the monitor: a gateway appends a sampled request
 * (inputs, outputs, version, latency) to one Redis stream; the monitor reads it through a
 * consumer group and writes the samples to Postgres in bulk (PredictionSample), then
 * acknowledges them. Producer: server/gateway/prediction-sampler.ts. Consumer:
 * workers/monitor/prediction-log.ts.
 */
export const PREDICTION_SAMPLES_STREAM = "predictions:samples";
export const PREDICTION_SAMPLES_GROUP = "monitor";
/**
 * At most about this many entries wait in the stream (XADD MAXLEN ~): with the monitor away,
 * the oldest samples go first, so a sample log never grows Redis without bound.
 */
export const PREDICTION_SAMPLES_MAX_LENGTH = 100_000;
/** The share of requests a deployment samples unless set otherwise. */
export const DEFAULT_PREDICTION_SAMPLE_RATE = 0.1;

export const ZPredictionSampleEntry = z.object({
  deploymentId: z.string(),
  versionId: z.string(),
  /** The caller's V2 request `id`, by which labels arrive later; null when the caller sent none. */
  requestId: z.string().nullable(),
  /** End to end, from the request's first bytes. */
  latencyUs: z.number().int().nonnegative(),
  /** When the gateway answered (epoch ms). */
  answeredAtMs: z.number().int().nonnegative(),
  inputs: z.array(ZWireTensor),
  outputs: z.array(ZWireTensor),
});
export type PredictionSampleEntry = z.infer<typeof ZPredictionSampleEntry>;

/** The stream entry's one field: the sample as JSON (one parse on the consumer, none per field). */
export const PREDICTION_SAMPLE_FIELD = "sample";

export function encodePredictionSample(sample: PredictionSampleEntry): string {
  return JSON.stringify(sample);
}

/** The sample an entry carries, or null for one that does not parse (logged and acknowledged). */
export function decodePredictionSample(text: string): PredictionSampleEntry | null {
  try {
    const parsed = ZPredictionSampleEntry.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
