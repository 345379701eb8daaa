import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import * as ort from "onnxruntime-node";
import type { Dimension, ElementType, Signature, TensorSpec } from "@/server/domain/signature";
import { fromOrtTensor, toOrtTensor, transferablesOf, type PackedTensor } from "./tensor-convert";

/**
 * The worker-thread entry that owns one InferenceSession. onnxruntime-node's run blocks the
 * thread it is called on, so it runs here, never on the thread that renews BullMQ locks.
 * Protocol: the thread posts "ready" (or "load-failed") once; then it answers each "run" message
 * with "ran", running its session runs one after the other. Typed-array buffers are transferred.
 */

export interface SessionThreadData {
  modelPath: string;
  device: "cpu" | "cuda";
  intraOpNumThreads?: number;
}

export interface ThreadRun {
  inputs: PackedTensor[];
  outputNames: string[];
}

export type ThreadRunResult =
  { ok: true; outputs: PackedTensor[]; computeUs: number } | { ok: false; error: string; computeUs: number };

export type ToThreadMessage =
  | { type: "run"; id: number; runs: ThreadRun[] }
  /** To a spare thread (started with no workerData, onnxruntime imported): the model to load. */
  | { type: "load"; data: SessionThreadData };

export type FromThreadMessage =
  | {
      type: "ready";
      signature: Signature;
      executionProvider: string;
      fallbackReason: string | null;
      /** onnxruntime's InferenceSession.create alone (both attempts on a CUDA fallback). */
      sessionCreateMs: number;
    }
  | { type: "load-failed"; error: string }
  | {
      type: "ran";
      id: number;
      results: ThreadRunResult[];
      /** The runs' input buffers, sent back for the next runs to be packed into (BufferPool). */
      spent: ArrayBuffer[];
    };

const port = parentPort;
if (!port) throw new Error("session-thread.ts runs as a worker thread only");

function firstLine(message: string): string {
  return (message.split("\n").find((line) => line.trim() !== "") ?? message).trim();
}

async function createSession(data: SessionThreadData): Promise<{
  session: ort.InferenceSession;
  executionProvider: string;
  fallbackReason: string | null;
}> {
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: "all" };
  if (data.intraOpNumThreads) options.intraOpNumThreads = data.intraOpNumThreads;
  if (data.device === "cuda") {
    // A host without CUDA libraries is expected: onnxruntime would print the failed library load
    // as an error; the fallback is reported instead. (The level is process-wide, set before the
    // first session; failures still reach us as exceptions.)
    ort.env.logLevel = "fatal";
    try {
      const session = await ort.InferenceSession.create(data.modelPath, {
        ...options,
        executionProviders: ["cuda", "cpu"],
      });
      return { session, executionProvider: "cuda", fallbackReason: null };
    } catch (error) {
      const session = await ort.InferenceSession.create(data.modelPath, {
        ...options,
        executionProviders: ["cpu"],
      });
      return {
        session,
        executionProvider: "cpu",
        fallbackReason: `CUDA is not usable here (${firstLine((error as Error).message)}); running on CPU`,
      };
    }
  }
  return {
    session: await ort.InferenceSession.create(data.modelPath, { ...options, executionProviders: ["cpu"] }),
    executionProvider: "cpu",
    fallbackReason: null,
  };
}

function toTensorSpec(metadata: ort.InferenceSession.ValueMetadata, role: string): TensorSpec {
  if (!metadata.isTensor) throw new Error(`${role} '${metadata.name}' is a sequence or map, not a tensor`);
  const shape = metadata.shape.map((dim): Dimension =>
    typeof dim === "number" ? (dim >= 0 ? dim : null) : dim === "" ? null : dim,
  );
  return { name: metadata.name, elementType: metadata.type as ElementType, shape };
}

async function runOne(session: ort.InferenceSession, run: ThreadRun): Promise<ThreadRunResult> {
  const started = performance.now();
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of run.inputs) feeds[input.name] = toOrtTensor(input);
    const produced = await session.run(feeds, run.outputNames);
    const computeUs = Math.round((performance.now() - started) * 1000);
    return {
      ok: true,
      outputs: run.outputNames.map((name) => fromOrtTensor(name, produced[name]!)),
      computeUs,
    };
  } catch (error) {
    return {
      ok: false,
      error: firstLine((error as Error).message),
      computeUs: Math.round((performance.now() - started) * 1000),
    };
  }
}

function post(message: FromThreadMessage, transfer: ArrayBuffer[] = []): void {
  try {
    port!.postMessage(message, transfer);
  } catch {
    port!.postMessage(message); // a buffer onnxruntime owns may refuse to detach: copy it instead
  }
}

async function serve(data: SessionThreadData): Promise<void> {
  try {
    const createStarted = performance.now();
    const { session, executionProvider, fallbackReason } = await createSession(data);
    const sessionCreateMs = performance.now() - createStarted;
    const signature: Signature = {
      inputs: session.inputMetadata.map((metadata) => toTensorSpec(metadata, "input")),
      outputs: session.outputMetadata.map((metadata) => toTensorSpec(metadata, "output")),
    };
    // One message at a time: the session is never run concurrently from this thread.
    let previous = Promise.resolve();
    port!.on("message", (message: ToThreadMessage) => {
      if (message.type !== "run") return;
      previous = previous.then(async () => {
        const results: ThreadRunResult[] = [];
        for (const run of message.runs) results.push(await runOne(session, run));
        const outputs = transferablesOf(results.flatMap((result) => (result.ok ? result.outputs : [])));
        const spent = transferablesOf(message.runs.flatMap((run) => run.inputs)).filter(
          (buffer) => !outputs.includes(buffer),
        );
        post({ type: "ran", id: message.id, results, spent }, [...outputs, ...spent]);
      });
    });
    post({ type: "ready", signature, executionProvider, fallbackReason, sessionCreateMs });
  } catch (error) {
    post({ type: "load-failed", error: firstLine((error as Error).message) });
  }
}

const initial = workerData as SessionThreadData | null;
if (initial) await serve(initial);
else
  port.once("message", (message: ToThreadMessage) => {
    if (message.type === "load") void serve(message.data);
  });
