import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const REPO = path.resolve(import.meta.dirname, "..");

export interface BenchProcess {
  name: string;
  child: ChildProcess;
  /** The line that said it was up. */
  readyLine: string;
  output: () => string;
}

/**
 * `node [nodeArgs] --import tsx <entry>` in the repo (node itself rather than the tsx CLI, so the
 * pid is the process that does the work: its CPU can be read, a profile flag reaches it, a
 * signal stops it). Resolves when a stdout line matches `ready`.
 */
export async function startNodeProcess(
  name: string,
  entry: string,
  /** `env` adds to this process's environment; an undefined value removes a variable. */
  options: {
    env: Record<string, string | undefined>;
    ready: RegExp;
    nodeArgs?: string[];
    timeoutMs?: number;
  },
): Promise<BenchProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", entry], {
    cwd: REPO,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let started = false;
  // Only the tail is kept, cut now and then rather than per chunk: a process under load may log
  // for minutes after it started.
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2 * MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS);
  };
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${options.timeoutMs ?? 60_000} ms:\n${output}`)),
      options.timeoutMs ?? 60_000,
    );
    child.stdout!.on("data", (chunk: Buffer) => {
      keep(chunk);
      if (started) return;
      const line = output.split("\n").find((candidate) => options.ready.test(candidate));
      if (line) {
        started = true;
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.stderr!.on("data", keep);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before starting:\n${output}`));
    });
  });
  return { name, child, readyLine, output: () => output };
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export function stopNodeProcess(proc: BenchProcess, graceMs = 10_000): Promise<void> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** CPU seconds (user + system) a process (all its threads) or one of its threads has used, from /proc. */
export function processCpuSeconds(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(
      tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
      "utf8",
    );
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of stat(5), counted from after the command name: utime, stime.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** Context switches (voluntary + involuntary) of all threads of a process so far, from /proc. */
export function processContextSwitches(pid: number): number {
  try {
    let switches = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm))
        switches += Number(match[1]);
    }
    return switches;
  } catch {
    return NaN;
  }
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat. */
export function machineBusyCpuSeconds(): number {
  const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number) as number[];
  void idle;
  void iowait;
  return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS;
}

const CLOCK_TICKS = 100;
/** About the most of a process's output `output()` returns (its last characters). */
const MAX_OUTPUT_CHARS = 256 * 1024;
