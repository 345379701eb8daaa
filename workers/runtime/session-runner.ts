import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import {
  DEFAULT_MAX_MERGED_ROWS,
  planRuns,
  requestRows,
  type PlannedRun,
} from "@/server/domain/inference/batch-merge";
import type { ServingRequest } from "@/server/contracts/serving";
import type { HeldTensor, WireTensor } from "@/server/domain/inference/datatypes";
import type { Signature } from "@/server/domain/signature";
import { bundledThreadUrl, startBundledThread } from "@/server/threads/bundled-thread";
import type {
  FromThreadMessage,
  SessionThreadData,
  ThreadRun,
  ThreadRunResult,
  ToThreadMessage,
} from "./session-thread";
import { BufferPool } from "./buffer-pool";
import { packWireTensor, transferablesOf, unpackToWire, type PackedTensor } from "./tensor-convert";

export interface SessionRunnerOptions {
  modelPath: string;
  device: "cpu" | "cuda";
  /** Rows of one merged run at most (default 1024). */
  maxBatchRows?: number;
  intraOpNumThreads?: number;
}

/** A request as a run takes it: a serving request, or one whose inputs are typed arrays (batch jobs). */
export type RunRequest = Omit<ServingRequest, "inputs"> & { inputs: HeldTensor[] };

/** A request's answer, its outputs in the form the run was asked for (JSON arrays unless told). */
export type RunResult<T = WireTensor> =
  { requestId: string; ok: true; outputs: T[] } | { requestId: string; ok: false; error: string };

export interface RunOutcome<T = WireTensor> {
  /** One per request, in the order given. */
  results: RunResult<T>[];
  /** Time the model ran for these requests, summed over the session runs they took part in. */
  computeUs: number;
  /** Rows of the largest session run these requests took part in. */
  batchRows: number;
  /**
   * The session runs charged to this call, for counting each run once: a run that merged several
   * calls is charged to the first of them only. Runs that never reached the thread are left out.
   */
  sessionRuns: { rows: number; computeUs: number }[];
}

/** How long a runner took to start: for the load log, and for judging a cold start against its model. */
export interface RunnerStartTimes {
  /**
   * From the call to the thread's "ready": the session, and where no spare thread was ready, the
   * bundle (first thread of a process only), the thread's boot and onnxruntime's import.
   */
  startMs: number;
  /** onnxruntime's InferenceSession.create alone, timed in the thread: the model's own load time. */
  sessionCreateMs: number;
}

const SESSION_THREAD_ENTRY = "session-thread.ts";

/** Spare input buffers a runner keeps: a few runs' worth of a large batch (256 rows of 512 floats is 512 kB). */
const INPUT_BUFFER_POOL_BYTES = 8 * 1024 * 1024;

export class SessionRunnerClosedError extends Error {
  constructor(modelPath: string) {
    super(`the session for ${modelPath} is closed`);
    this.name = "SessionRunnerClosedError";
  }
}

interface Pending {
  requests: RunRequest[];
  rows: number;
  /** What each output becomes for this call's caller. */
  toOutput: (tensor: PackedTensor) => unknown;
  resolve: (outcome: RunOutcome<unknown>) => void;
  reject: (error: Error) => void;
}

/**
 * One worker thread holding one InferenceSession, and the merging in front of it: while a run is
 * in flight, new calls queue; when the thread frees up, everything queued (up to maxBatchRows)
 * goes in one message, with compatible requests concatenated into one session run. An idle
 * runner sends at once: merging comes from load, never from waiting.
 */
export class SessionRunner {
  private readonly queue: Pending[] = [];
  private readonly replies = new Map<
    number,
    { resolve: (results: ThreadRunResult[]) => void; reject: (error: Error) => void }
  >();
  private nextId = 1;
  private busy = false;
  private closing = false;
  private exited: Error | null = null;
  private readonly exitListeners: (() => void)[] = [];
  private closedPromise: Promise<void> | null = null;
  private readonly maxBatchRows: number;
  private readonly inputBuffers = new BufferPool(INPUT_BUFFER_POOL_BYTES);

  private constructor(
    private readonly thread: Worker,
    private readonly options: SessionRunnerOptions,
    readonly signature: Signature,
    readonly executionProvider: string,
    /** Why the device asked for is not the one running (CUDA unavailable), or null. */
    readonly fallbackReason: string | null,
    readonly startTimes: RunnerStartTimes,
  ) {
    this.maxBatchRows = options.maxBatchRows ?? DEFAULT_MAX_MERGED_ROWS;
    thread.on("message", (message: FromThreadMessage) => {
      if (message.type !== "ran") return;
      for (const buffer of message.spent) this.inputBuffers.give(buffer);
      const reply = this.replies.get(message.id);
      this.replies.delete(message.id);
      reply?.resolve(message.results);
    });
    thread.on("error", (error) =>
      this.fail(new Error(`the session thread for ${options.modelPath} crashed: ${error.message}`)),
    );
    thread.on("exit", (code) =>
      this.fail(
        this.closing
          ? new SessionRunnerClosedError(options.modelPath)
          : new Error(`the session thread for ${options.modelPath} exited with code ${code}`),
      ),
    );
  }

  /** Starts the thread and loads the model; rejects with onnxruntime's reason when it cannot. */
  static async start(options: SessionRunnerOptions): Promise<SessionRunner> {
    const data: SessionThreadData = {
      modelPath: options.modelPath,
      device: options.device,
      intraOpNumThreads: options.intraOpNumThreads,
    };
    const started = performance.now();
    const thread = await takeSessionThread(data);
    const ready = await new Promise<Extract<FromThreadMessage, { type: "ready" }>>((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`the session thread exited with code ${code} before loading ${options.modelPath}`));
      thread.once("error", reject);
      thread.once("exit", onExit);
      thread.once("message", (message: FromThreadMessage) => {
        thread.off("error", reject);
        thread.off("exit", onExit);
        if (message.type === "ready") resolve(message);
        else
          reject(
            new Error(
              message.type === "load-failed"
                ? `onnxruntime could not load the model: ${message.error}`
                : `unexpected first message ${message.type}`,
            ),
          );
      });
    }).catch(async (error: Error) => {
      await thread.terminate();
      throw error;
    });
    return new SessionRunner(
      thread,
      options,
      ready.signature,
      ready.executionProvider,
      ready.fallbackReason,
      {
        startMs: performance.now() - started,
        sessionCreateMs: ready.sessionCreateMs,
      },
    );
  }

  /**
   * Builds what session threads start from (in TypeScript: their bundle) ahead of the first load,
   * so that load does not wait for it, and from then on keeps one spare thread started with
   * onnxruntime imported: a load then waits for its session only, not for a thread's boot
   * (100-250 ms on a busy host). Rejects with the build's error.
   */
  static async prepare(): Promise<void> {
    if (import.meta.url.endsWith(".ts")) await bundledThreadUrl(import.meta.url, SESSION_THREAD_ENTRY);
    keepSpareThread = true;
    replenishSpareThread();
  }

  get closed(): boolean {
    return this.exited !== null;
  }

  /** Called once when the thread is gone (closed, crashed or terminated). */
  onExit(listener: () => void): void {
    if (this.exited) listener();
    else this.exitListeners.push(listener);
  }

  /**
   * `toOutput` makes each output what the caller sends on (JSON arrays by default; the serving
   * worker's bytes for a job of schema version 2, with no array of numbers in between).
   */
  run<T = WireTensor>(
    requests: RunRequest[],
    toOutput: (tensor: PackedTensor) => T = unpackToWire as (tensor: PackedTensor) => T,
  ): Promise<RunOutcome<T>> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.queue.push({
        requests,
        rows: requests.reduce((rows, request) => rows + requestRows(request), 0),
        toOutput,
        resolve: resolve as (outcome: RunOutcome<unknown>) => void,
        reject,
      });
      this.pump();
    });
  }

  /** Lets queued and in-flight runs finish, then terminates the thread. */
  close(): Promise<void> {
    this.closing = true;
    this.closedPromise ??= new Promise<void>((resolve) => this.onExit(resolve));
    this.pump();
    return this.closedPromise;
  }

  private pump(): void {
    if (this.busy || this.exited) return;
    if (this.queue.length === 0) {
      // A macrotask later: a caller that got this runner in the same tick can still queue.
      if (this.closing)
        setImmediate(
          () => !this.busy && this.queue.length === 0 && !this.exited && void this.thread.terminate(),
        );
      return;
    }
    const batch = [this.queue.shift()!];
    let rows = batch[0]!.rows;
    while (this.queue.length > 0 && rows + this.queue[0]!.rows <= this.maxBatchRows) {
      rows += this.queue[0]!.rows;
      batch.push(this.queue.shift()!);
    }
    this.busy = true;
    this.execute(batch)
      .catch((error: Error) => batch.forEach((pending) => pending.reject(error)))
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }

  private async execute(batch: Pending[]): Promise<void> {
    const requests: RunRequest[] = [];
    const owner: number[] = [];
    batch.forEach((pending, p) =>
      pending.requests.forEach((request) => (requests.push(request), owner.push(p))),
    );
    const results: RunResult<unknown>[] = new Array(requests.length);
    const computeUs = new Array<number>(batch.length).fill(0);
    const batchRows = new Array<number>(batch.length).fill(0);
    const sessionRuns: RunOutcome["sessionRuns"][] = batch.map(() => []);

    const settle = (runs: PlannedRun[], replies: (ThreadRunResult | Error)[]): number[] => {
      const retryAlone: number[] = [];
      runs.forEach((run, r) => {
        const reply = replies[r]!;
        if (!(reply instanceof Error))
          sessionRuns[owner[run.requestIndices[0]!]!]!.push({ rows: run.rows, computeUs: reply.computeUs });
        for (const p of new Set(run.requestIndices.map((index) => owner[index]!))) {
          if (!(reply instanceof Error)) computeUs[p] = computeUs[p]! + reply.computeUs;
          batchRows[p] = Math.max(batchRows[p]!, run.rows);
        }
        let error = reply instanceof Error ? reply.message : reply.ok ? null : reply.error;
        if (error === null && !(reply instanceof Error) && reply.ok) {
          try {
            run.split(reply.outputs).forEach((outputs, k) => {
              const index = run.requestIndices[k]!;
              results[index] = {
                requestId: requests[index]!.requestId,
                ok: true,
                outputs: outputs.map(batch[owner[index]!]!.toOutput),
              };
            });
          } catch (splitError) {
            error = (splitError as Error).message;
          }
        }
        if (error === null) return;
        if (run.merged) retryAlone.push(...run.requestIndices);
        else
          results[run.requestIndices[0]!] = {
            requestId: requests[run.requestIndices[0]!]!.requestId,
            ok: false,
            error,
          };
      });
      return retryAlone;
    };

    const runs = planRuns(this.signature, requests, { maxRows: this.maxBatchRows });
    const retryAlone = settle(runs, await this.send(runs));
    if (retryAlone.length > 0) {
      // A merged run failed (one request's data, most likely): run its requests alone so only
      // the faulty one gets the error.
      const lone = planRuns(
        this.signature,
        retryAlone.map((index) => requests[index]!),
        { merge: false },
      );
      for (const run of lone) run.requestIndices = run.requestIndices.map((k) => retryAlone[k]!);
      settle(lone, await this.send(lone));
    }
    const own: RunResult<unknown>[][] = batch.map(() => []);
    results.forEach((result, index) => own[owner[index]!]!.push(result));
    batch.forEach((pending, p) =>
      pending.resolve({
        results: own[p]!,
        computeUs: computeUs[p]!,
        batchRows: batchRows[p]!,
        sessionRuns: sessionRuns[p]!,
      }),
    );
  }

  /** One message for all runs; a run whose inputs cannot be packed gets its error without a trip to the thread. */
  private async send(runs: PlannedRun[]): Promise<(ThreadRunResult | Error)[]> {
    const answers: (ThreadRunResult | Error)[] = new Array(runs.length);
    const toSend: ThreadRun[] = [];
    const sentIndex: number[] = [];
    runs.forEach((run, r) => {
      try {
        const allocate = (byteLength: number) => this.inputBuffers.take(byteLength);
        toSend.push({
          inputs: run.inputs.map((input) => packWireTensor(input, allocate)),
          outputNames: run.outputNames,
        });
        sentIndex.push(r);
      } catch (error) {
        answers[r] = error as Error;
      }
    });
    if (toSend.length > 0) {
      const replies = await this.post(toSend);
      replies.forEach((reply, k) => (answers[sentIndex[k]!] = reply));
    }
    return answers;
  }

  private post(runs: ThreadRun[]): Promise<ThreadRunResult[]> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    const message: ToThreadMessage = { type: "run", id, runs };
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      this.thread.postMessage(message, transferablesOf(runs.flatMap((run): PackedTensor[] => run.inputs)));
    });
  }

  private fail(error: Error): void {
    if (this.exited) return;
    this.exited = error;
    for (const reply of this.replies.values()) reply.reject(error);
    this.replies.clear();
    for (const pending of this.queue.splice(0)) pending.reject(error);
    if (!this.closing) void this.thread.terminate();
    for (const listener of this.exitListeners.splice(0)) listener();
  }
}

/** Compiled JavaScript loads session-thread.js directly; TypeScript runs its bundle (bundled-thread.ts). */
async function spawnSessionThread(workerData: SessionThreadData | null): Promise<Worker> {
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./session-thread.js", import.meta.url), { workerData });
  return startBundledThread(import.meta.url, SESSION_THREAD_ENTRY, { workerData });
}

/** Whether SessionRunner.prepare asked for a spare thread (serving workers do). */
let keepSpareThread = false;
/** A thread booted with no model, waiting for its "load" message; null while none is kept. */
let spareThread: Promise<Worker> | null = null;

function replenishSpareThread(): void {
  if (!keepSpareThread || spareThread) return;
  const spare = spawnSessionThread(null).then((thread) => {
    // An idle spare keeps no process alive; one that dies idle is replaced on the next take (its
    // error, with no runner listening yet, must not reach the process as an unhandled event).
    thread.unref();
    thread.on("error", () => {});
    thread.once("exit", () => {
      if (spareThread === spare) spareThread = null;
    });
    return thread;
  });
  spareThread = spare;
  spare.catch(() => {
    if (spareThread === spare) spareThread = null;
  });
}

/** The spare thread, told what to load (and a new spare started), or a new thread when none is ready. */
async function takeSessionThread(data: SessionThreadData): Promise<Worker> {
  const spare = spareThread;
  spareThread = null;
  replenishSpareThread();
  const thread = spare && (await spare.catch(() => null));
  if (!thread || thread.threadId === -1) return spawnSessionThread(data);
  thread.ref();
  thread.postMessage({ type: "load", data } satisfies ToThreadMessage);
  return thread;
}
