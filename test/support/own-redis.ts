import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "@/test/support/free-port";

/**
 * A redis-server of the test's own on a free port, for tests that stop Redis: the shared one is
 * never stopped. No persistence, so a restart comes back empty, as after a crash of a cache node;
 * or, given `appendOnlyDir`, an append-only file synced on every write, so a restart (even after
 * SIGKILL) comes back with every write it answered, as a Redis kept for queues is run.
 * `start` again brings it back on the same port. `stop("SIGKILL")` is a crash: no client is told.
 */
export async function ownRedis({ appendOnlyDir }: { appendOnlyDir?: string } = {}) {
  const port = await freePort();
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const started = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        ...(appendOnlyDir
          ? ["--appendonly", "yes", "--appendfsync", "always", "--dir", appendOnlyDir]
          : ["--appendonly", "no"]),
        "--daemonize",
        "no",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    await new Promise<void>((resolve, reject) => {
      started.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) resolve();
      });
      started.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      started.once("error", reject);
      started.once("exit", (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
    });
    child = started;
  }

  async function stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill(signal);
    });
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as when Redis hangs. */
  const pause = () => void child?.kill("SIGSTOP");
  const resume = () => void child?.kill("SIGCONT");

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop, pause, resume };
}
