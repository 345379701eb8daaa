import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { readableLogLine } from "./log-line";
import {
  FRESH_RESTART_STATE,
  decideRestart,
  describeExit,
  type RestartPolicy,
  type RestartState,
} from "./restart-policy";

/** A child failed at boot again and again; the runner stopped the rest. */
export class ChildKeepsFailingError extends Error {
  override name = "ChildKeepsFailingError";
}

export interface Service {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/**
 * Runs the processes side by side with prefixed output. One that dies is restarted after the
 * policy's wait while the others keep running; each start and exit is logged with its pid. The
 * first SIGINT or SIGTERM stops them all with SIGTERM (a second one kills them). Settles once every
 * one has exited, so servers the demo started stop only after their clients; rejects, naming the
 * child, when one keeps failing at boot.
 */
export function superviseTogether(options: {
  services: Service[];
  policy: RestartPolicy;
  cwd: string;
}): Promise<void> {
  const { services, policy, cwd } = options;
  return new Promise((resolve, reject) => {
    let stopping = false;
    let failure: Error | undefined;
    const running = new Map<string, ChildProcess>();
    const pendingRestarts = new Map<string, NodeJS.Timeout>();

    const settleIfDone = () => {
      if (!stopping || running.size > 0) return;
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (failure) reject(failure);
      else resolve();
    };
    const stop = (signal: NodeJS.Signals) => {
      stopping = true;
      for (const timer of pendingRestarts.values()) clearTimeout(timer);
      pendingRestarts.clear();
      for (const child of running.values()) child.kill(signal);
      settleIfDone();
    };
    const onSignal = () => stop(stopping ? "SIGKILL" : "SIGTERM");

    const start = (service: Service, state: RestartState) => {
      const startedMs = Date.now();
      const child = spawn(service.command, service.args, {
        cwd,
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...service.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      running.set(service.name, child);
      console.log(`[demo] started ${service.name}, pid ${child.pid}`);
      const prefix = `[${service.name}] `;
      const forward = (stream: NodeJS.ReadableStream, target: NodeJS.WriteStream) => {
        createInterface({ input: stream }).on("line", (line) =>
          target.write(`${prefix}${readableLogLine(line)}\n`),
        );
      };
      forward(child.stdout!, process.stdout);
      forward(child.stderr!, process.stderr);
      let ended = false;
      const onEnd = (code: number | null, signal: NodeJS.Signals | null) => {
        if (ended) return;
        ended = true;
        running.delete(service.name);
        if (stopping) return settleIfDone();
        const exit = { code, signal, upMs: Date.now() - startedMs };
        const uptime = `${(exit.upMs / 1000).toFixed(1)} s`;
        const decision = decideRestart(policy, state, exit);
        if (decision.kind === "give-up") {
          failure = new ChildKeepsFailingError(`${service.name} ${decision.reason}`);
          console.error(`[demo] ${service.name} (pid ${child.pid}) ${decision.reason}; stopping the demo`);
          return stop("SIGTERM");
        }
        console.error(
          `[demo] ${service.name} (pid ${child.pid}) ended with ${describeExit(exit)} after ${uptime}; ` +
            `restarting in ${(decision.delayMs / 1000).toFixed(2)} s`,
        );
        pendingRestarts.set(
          service.name,
          setTimeout(() => {
            pendingRestarts.delete(service.name);
            start(service, decision.state);
          }, decision.delayMs),
        );
      };
      // 'exit' rather than 'close': a grandchild may hold the pipes open after the child is gone.
      child.once("exit", onEnd);
      // A command that cannot be run at all gets 'error' and no 'exit': 127 as a shell says it.
      child.once("error", (error) => {
        console.error(`[demo] ${service.name} could not run: ${error.message}`);
        if (child.pid === undefined) onEnd(127, null);
      });
    };

    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    for (const service of services) start(service, FRESH_RESTART_STATE);
  });
}
