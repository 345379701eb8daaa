import { Worker } from "node:worker_threads";
import { AppError } from "@/server/domain/app-error";
import type { OnnxInspection } from "@/server/onnx/inspect-onnx";
import { awaitReply, threadLimit } from "@/server/threads/one-shot-thread";
import { startBundledThread } from "@/server/threads/bundled-thread";

/** The model's bytes are outside the heap; the session's own objects are small. */
const THREAD_HEAP_LIMIT_MB = 256;
/** One model in memory at a time: a model is up to MAX_ARTIFACT_BYTES, and loading it costs as much again. */
const runInspection = threadLimit(1);

/**
 * Inspects a staged .onnx file in a worker thread (inspect-onnx-thread.ts): onnxruntime-node
 * loads a model synchronously, which would stop this process's event loop for the seconds a
 * large model takes.
 */
export function inspectOnnxInThread(modelPath: string): Promise<OnnxInspection> {
  return runInspection(async () => {
    const options = {
      workerData: { modelPath },
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_LIMIT_MB },
    };
    const thread =
      process.env.NEXT_RUNTIME === "nodejs"
        ? // Next.js bundles this entry, with what it imports, into a thread chunk of its own.
          new Worker(new URL("./inspect-onnx-thread.ts", import.meta.url), options)
        : await startBundledThread(import.meta.url, "inspect-onnx-thread.ts", options);
    return awaitReply<OnnxInspection>(thread, {
      task: "inspecting the model",
      outOfMemory: () =>
        new AppError(
          "UNPROCESSABLE",
          `inspecting the model needed more than ${THREAD_HEAP_LIMIT_MB} MiB of memory`,
        ),
    });
  });
}
