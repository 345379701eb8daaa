import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { initPostgresDataDir, postgresOwner, postgresServerArgs } from "@/scripts/services/local-services";
import { probePostgres } from "@/scripts/services/probe";
import { freePort } from "@/test/support/free-port";

const BIN_DIR = "/usr/lib/postgresql/15/bin";

/**
 * A PostgreSQL cluster of the test's own (the machine's binaries, a temporary data directory, a
 * free port), for tests that stop Postgres: the shared one is never stopped. `stop("immediate")`
 * is a crash (sessions cut, recovery at the next start); `pause` freezes the whole server, its
 * sessions included, as a hung host does; `start` and `resume` bring it back with its data.
 */
export async function ownPostgres() {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "own-postgres-"));
  const owner = await postgresOwner();
  await initPostgresDataDir({ initdb: path.join(BIN_DIR, "initdb"), dataDir, owner });
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const started = spawn(path.join(BIN_DIR, "postgres"), postgresServerArgs({ dataDir, port }), {
      ...owner,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let output = "";
    started.stderr!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2_000)));
    child = started;
    for (let attempt = 0; attempt < 100; attempt++) {
      if (started.exitCode !== null) throw new Error(`postgres exited with ${started.exitCode}:\n${output}`);
      if ((await probePostgres(url, 500)).state === "ready") return;
      await sleep(100);
    }
    throw new Error(`postgres did not answer within 10 s:\n${output}`);
  }

  /** SIGQUIT is PostgreSQL's immediate shutdown (a crash: no checkpoint), SIGINT its fast one. */
  async function stop(mode: "immediate" | "fast" = "fast"): Promise<void> {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    signalServer(running.pid!, "SIGCONT"); // a paused server cannot shut down
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill(mode === "immediate" ? "SIGQUIT" : "SIGINT");
    });
  }

  await start();
  return {
    port,
    url,
    start,
    stop,
    pause: () => child && signalServer(child.pid!, "SIGSTOP"),
    resume: () => child && signalServer(child.pid!, "SIGCONT"),
    async remove() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The postmaster first (it forks no new session once stopped), then each of its children: a
 * process group would not reach them, every backend is the leader of its own session (setsid).
 */
function signalServer(postmasterPid: number, signal: NodeJS.Signals): void {
  process.kill(postmasterPid, signal);
  for (const pid of childPids(postmasterPid)) process.kill(pid, signal);
}

function childPids(parentPid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // stat(5): the parent pid is the second field after the command name in parentheses.
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parentPid;
      } catch {
        return false; // it exited meanwhile
      }
    })
    .map(Number);
}
