import { readFile } from "node:fs/promises";
import { workerData } from "node:worker_threads";
import { inspectOnnx } from "@/server/onnx/inspect-onnx";
import { replyToParent } from "@/server/threads/one-shot-thread";

// The thread entry behind inspectOnnxInThread: the model's bytes and its onnxruntime session
// live here, and go when the thread exits.
const { modelPath } = workerData as { modelPath: string };
replyToParent(async () => inspectOnnx(await readFile(modelPath)));
