import type { BenchProcess } from "@/bench/processes";
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
 * V8 has not collected yet.
 */
export async function memoryAfterGc(
  proc: Pick<BenchProcess, "name" | "child" | "output">,
): Promise<ProcessMemory> {
  const seen = proc.output().length;
  proc.child.kill("SIGUSR2");
  for (let attempt = 0; attempt < 100; attempt++) {
    const line = /^memory (.*)$/m.exec(proc.output().slice(seen));
    if (line) {
      const reported = JSON.parse(line[1]!) as Omit<ProcessMemory, "rssBytes">;
      return { ...reported, rssBytes: processRssBytes(proc.child.pid!) };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${proc.name} did not report its memory`);
}
