import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as ort from "onnxruntime-node";
import { servableDevices, type ServingDevice } from "@/server/contracts/serving";
import { getLogger, type Logger } from "@/server/logger";
import { OnnxGraphBuilder } from "@/server/onnx/onnx-builder";
import type { AnnounceHostInput } from "@/server/services/host/announce-host";

export const HEARTBEAT_INTERVAL_MS = 10_000;

export interface HostAgentOptions {
  hostName: string;
  /** The device the operator asked for; "cuda" is announced only if a CUDA session can be created. */
  device: "cpu" | "cuda";
  costMicrosPerHour: number;
  heartbeatMs?: number;
  log?: Logger;
}

export interface HostAgent {
  device: "cpu" | "cuda";
  /** Providers that created a session here, best first (the first is the one that runs). */
  executionProviders: string[];
  /** The devices whose serving queues this host may consume: only those its probe ran. */
  servesDevices: ServingDevice[];
  gpuMemoryMb: number | null;
  /**
   * Writes the Host row (upserted by name), then heartbeats lastHeartbeatAt until stopped; a beat
   * that finds no row, or follows a failed announcement, announces again. Settles when the first
   * announcement is written or has failed (logged). Called after the roles started, and not
   * awaited: serving needs Redis only, so a worker whose Postgres is down serves at once, and
   * Prisma's client, a few hundred ms of module loading, loads only after serving has begun.
   */
  announce(): Promise<void>;
  stop(): void;
}

/** Probes which execution providers run here; announcing the host is `announce()`'s. */
export async function startHostAgent(options: HostAgentOptions): Promise<HostAgent> {
  const log = options.log ?? getLogger().child({ component: "host" });
  const executionProviders = await probeExecutionProviders(options.device);
  const device = executionProviders.includes("cuda") ? "cuda" : "cpu";
  if (device !== options.device)
    log.warn(
      { asked: options.device, announced: device },
      `device ${options.device} asked for, but no CUDA session can be created here: announcing ${device}`,
    );
  const gpuMemoryMb = device === "cuda" ? await readGpuMemoryMb() : null;
  const announcement: AnnounceHostInput = {
    name: options.hostName,
    device,
    executionProviders,
    costMicrosPerHour: options.costMicrosPerHour,
    gpuMemoryMb,
    startedAt: new Date(),
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let first: Promise<void> | undefined;
  const announce = (): Promise<void> => {
    first ??= import("@/server/services/host/announce-host").then(async (rows) => {
      if (stopped) return;
      let isAnnounced = false;
      const write = () => rows.announceHost(announcement).then(() => void (isAnnounced = true));
      let beating = false;
      timer = setInterval(() => {
        if (beating) return;
        beating = true;
        const beat = isAnnounced
          ? rows.recordHostHeartbeat(options.hostName).then((found) => (found ? undefined : write()))
          : write();
        beat
          .catch((error: Error) => log.warn({ err: error }, "heartbeat failed"))
          .finally(() => (beating = false));
      }, options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS);
      timer.unref();
      await write().catch((error: Error) =>
        log.warn({ err: error }, "could not announce the host yet: serving goes on, the next beat retries"),
      );
    });
    return first;
  };

  return {
    device,
    executionProviders,
    servesDevices: servableDevices(executionProviders),
    gpuMemoryMb,
    announce,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/**
 * Which providers can create a session on this machine, by trying: onnxruntime-node lists CUDA
 * and TensorRT as backends even where their libraries are missing. CPU always works.
 */
export async function probeExecutionProviders(device: "cpu" | "cuda"): Promise<string[]> {
  if (device === "cpu") return ["cpu"];
  ort.env.logLevel = "fatal"; // a failed library load is an expected answer here, not an error to print
  const g = new OnnxGraphBuilder("provider-probe");
  g.op("Identity", [g.input("x", "float32", [1])], {}, "y");
  g.output("y", "float32", [1]);
  const probe = g.toBytes({ producerVersion: "probe" });
  try {
    const session = await ort.InferenceSession.create(probe, { executionProviders: ["cuda"] });
    await session.release();
    return ["cuda", "cpu"];
  } catch {
    return ["cpu"];
  }
}

async function readGpuMemoryMb(): Promise<number | null> {
  try {
    const { stdout } = await promisify(execFile)(
      "nvidia-smi",
      ["--query-gpu=memory.total", "--format=csv,noheader,nounits"],
      { timeout: 5_000 },
    );
    const mb = Number.parseInt(stdout.split("\n")[0] ?? "", 10);
    return Number.isFinite(mb) ? mb : null;
  } catch {
    return null;
  }
}
