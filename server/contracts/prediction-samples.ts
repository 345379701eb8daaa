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
 * An entry carries up to this many samples (one gateway's flush): one Redis command per flush
 * rather than per sample, which the serving bench measured at a third of sampling's cost.
 */
export const PREDICTION_SAMPLES_PER_ENTRY = 500;
/**
 * At most about this many entries wait in the stream (XADD MAXLEN ~), so at most about
 * 100,000 samples: with the monitor away, the oldest go first, and Redis never grows unbounded.
 */
export const PREDICTION_SAMPLES_MAX_LENGTH = 200;
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

/** The stream entry's one field: its samples as one JSON array (one parse on the consumer). */
export const PREDICTION_SAMPLE_FIELD = "samples";

export function encodePredictionSamples(samples: readonly PredictionSampleEntry[]): string {
  return JSON.stringify(samples);
}

/**
 * The samples an entry carries, each null where it does not parse (counted and acknowledged);
 * an entry that is not a JSON array reads as one unparseable sample.
 */
export function decodePredictionSamples(text: string): (PredictionSampleEntry | null)[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [null];
    return parsed.map((sample) => {
      const checked = ZPredictionSampleEntry.safeParse(sample);
      return checked.success ? checked.data : null;
    });
  } catch {
    return [null];
  }
}
