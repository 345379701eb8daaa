import os from "node:os";
import { parentPort, type Worker } from "node:worker_threads";
import { AppError, type AppErrorCode } from "@/server/domain/app-error";

/**
 * Threads that do one piece of work off the event loop (parse a sample, load a model) and
 * post one reply. The web process never blocks on them: its event loop keeps answering while
 * a thread runs, and a thread's memory is returned when it exits.
 */

type ThreadReply<Value> =
  | { ok: true; value: Value }
  | { ok: false; appError: { code: AppErrorCode; message: string } }
  | { ok: false; unexpected: { message: string; stack?: string } };

/**
 * In a thread entry: runs `work` and posts its value, or the error it threw, to the parent.
 * The thread first lowers its own scheduling priority: its work is background work, and on a
 * busy host the threads that answer requests should get the CPU first. (On Linux a nice value
 * belongs to a thread; elsewhere it would apply to the whole process, so it is left alone.)
 */
export function replyToParent<Value>(work: () => Promise<Value>): void {
  const port = parentPort;
  if (!port) throw new Error("a thread entry runs as a worker thread only");
  if (process.platform === "linux") os.setPriority(os.constants.priority.PRIORITY_LOW);
  work().then(
    (value) => port.postMessage({ ok: true, value } satisfies ThreadReply<Value>),
    (error: unknown) =>
      port.postMessage(
        (error instanceof AppError
          ? { ok: false, appError: { code: error.code, message: error.message } }
          : {
              ok: false,
              unexpected: {
                message: (error as Error)?.message ?? String(error),
                stack: (error as Error)?.stack,
              },
            }) satisfies ThreadReply<Value>,
      ),
  );
}

export interface AwaitReplyOptions {
  /** What the thread does, for errors ("profiling the sample"). */
  task: string;
  /** Thrown when the thread passes its resourceLimits. */
  outOfMemory: () => AppError;
}

/**
 * The thread's value; an AppError it threw is rethrown as the same AppError, anything else as
 * an Error carrying its message and stack (for the log, never for the client). The thread is
 * terminated once it has answered or failed.
 */
export function awaitReply<Value>(thread: Worker, { task, outOfMemory }: AwaitReplyOptions): Promise<Value> {
  return new Promise<Value>((resolve, reject) => {
    thread.once("message", (reply: ThreadReply<Value>) => {
      if (reply.ok) resolve(reply.value);
      else if ("appError" in reply) reject(new AppError(reply.appError.code, reply.appError.message));
      else
        reject(
          Object.assign(new Error(`${task} failed: ${reply.unexpected.message}`), {
            stack: reply.unexpected.stack,
          }),
        );
    });
    thread.once("error", (error: Error & { code?: string }) =>
      reject(
        error.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? outOfMemory()
          : new Error(`${task} failed`, { cause: error }),
      ),
    );
    thread.once("exit", (exitCode) =>
      reject(new Error(`${task} failed: its thread exited with code ${exitCode}`)),
    );
  }).finally(() => void thread.terminate());
}

/** At most `limit` threads of one kind at a time; further work waits its turn. */
export function threadLimit(limit: number): <Result>(work: () => Promise<Result>) => Promise<Result> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
