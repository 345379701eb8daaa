import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fraudInferRequest } from "@/test/support/fraud-deployment";
import type { TrafficTarget } from "@/test/support/request-traffic";
import {
  serveArtifacts,
  startGatewayProcess,
  startWorkerProcess,
  stopProcess,
} from "@/test/support/serving-stack";

/**
 * The data plane of the fault tests, every part in a process of its own as production runs it:
 * the gateway and serving workers (server/gateway/main.ts, workers/main.ts) and the artifact
 * route, on the caller's database and Redis key prefix (process.env), and on `redisUrl` when the
 * test has a Redis of its own to kill. Workers can be added and killed while it runs.
 */
export async function startFaultStack(options: {
  redisUrl?: string;
  /** Worker host names to start with (none: a gateway without workers). */
  workerHostNames: string[];
  gatewayEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  gatewayNodeArgs?: string[];
  /** What inferTarget sends unless told (default: fraudInferRequest, to the `fraud` deployment). */
  inferRequest?: { deployment: string; body: Buffer };
}) {
  const redisEnv: Record<string, string> = options.redisUrl ? { REDIS_URL: options.redisUrl } : {};
  const artifacts = await serveArtifacts();
  const workers = new Map<string, ChildProcess>();
  const startWorker = async (hostName: string) => {
    const worker = await startWorkerProcess({
      hostName,
      artifactSourceUrl: artifacts.url,
      env: { ...redisEnv, ...options.workerEnv },
    });
    workers.set(hostName, worker);
    return worker;
  };
  await Promise.all(options.workerHostNames.map(startWorker));
  const gateway = await startGatewayProcess({ ...redisEnv, ...options.gatewayEnv }, options.gatewayNodeArgs);

  return {
    gateway,
    workers,
    startWorker,
    /**
     * Infer requests (`options.inferRequest` unless told), each with a deadline (`x-timeout-ms`);
     * the client gives up 2 s past it.
     */
    inferTarget(deadlineMs: number, request = options.inferRequest ?? fraudInferRequest()): TrafficTarget {
      return {
        url: `${gateway.url}/v2/models/${request.deployment}/infer`,
        body: request.body,
        clientTimeoutMs: deadlineMs + 2_000,
        headers: { "x-timeout-ms": String(deadlineMs) },
      };
    },
    gatewayAlive: () => isRunning(gateway.child),
    gatewayRssBytes: () => processRssBytes(gateway.child.pid!),
    async stop() {
      await stopProcess(gateway.child);
      await Promise.all([...workers.values()].map((worker) => stopProcess(worker)));
      await artifacts.close();
    },
  };
}

export type FaultStack = Awaited<ReturnType<typeof startFaultStack>>;

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resident memory of a process, from /proc (the kernel's figure, not what V8 says it uses). */
export function processRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}
