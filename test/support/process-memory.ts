import type { ChildProcess } from "node:child_process";
import { processRssBytes } from "@/test/support/fault-stack";

/** Node arguments of a process whose memory a test reads with memoryAfterGc. */
export const REPORT_MEMORY_NODE_ARGS = [
  "--expose-gc",
  "--import",
  "./test/support/report-memory-on-signal.ts",
];

export interface ProcessMemory {
  /** The kernel's figure (/proc/<pid>/status VmRSS). */
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Memory of C++ objects tied to JS ones (buffers, WebAssembly memories). */
  externalBytes: number;
}

/**
 * A process's RSS (from /proc) and heap right after a full collection, which the preload of
 * REPORT_MEMORY_NODE_ARGS runs on SIGUSR2 and reports on stdout: what it keeps, not garbage
 * V8 has not collected yet. Read from the stream itself: what a process keeps of its output is
 * only a tail, cut now and then.
 */
export function memoryAfterGc(child: ChildProcess): Promise<ProcessMemory> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const line = /^memory (.*)$/m.exec(text);
      if (!line) return;
      done();
      const reported = JSON.parse(line[1]!) as Omit<ProcessMemory, "rssBytes">;
      resolve({ ...reported, rssBytes: processRssBytes(child.pid!) });
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`process ${child.pid} did not report its memory within 5 s`));
    }, 5_000);
    const done = () => {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
    };
    child.stdout!.on("data", onData);
    child.kill("SIGUSR2");
  });
}
