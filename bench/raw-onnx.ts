import * as ort from "onnxruntime-node";

export interface RawBatchResult {
  batchSize: number;
  rowsPerSecond: number;
  msPerRun: number;
}

const RAW_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * Baseline (a): session.run in this process, nothing else around it, at each batch size for
 * about `msPerBatchSize`; the best rows/s is the limit of this CPU for the model. Same session
 * options as the serving worker's threads (all graph optimizations, CPU, default thread count).
 */
export async function sweepRawBatchSizes(
  modelPath: string,
  inputName: string,
  width: number,
  msPerBatchSize: number,
): Promise<RawBatchResult[]> {
  const session = await ort.InferenceSession.create(modelPath, {
    graphOptimizationLevel: "all",
    executionProviders: ["cpu"],
  });
  const results: RawBatchResult[] = [];
  try {
    for (const batchSize of RAW_BATCH_SIZES) {
      const data = Float32Array.from({ length: batchSize * width }, (_, i) => ((i * 7919) % 1000) / 1000);
      const feeds = { [inputName]: new ort.Tensor("float32", data, [batchSize, width]) };
      for (let i = 0; i < 3; i++) await session.run(feeds);
      const started = performance.now();
      let runs = 0;
      while (runs < 5 || performance.now() - started < msPerBatchSize) {
        await session.run(feeds);
        runs += 1;
      }
      const elapsedMs = performance.now() - started;
      results.push({
        batchSize,
        rowsPerSecond: (runs * batchSize * 1000) / elapsedMs,
        msPerRun: elapsedMs / runs,
      });
    }
  } finally {
    await session.release();
  }
  return results;
}
