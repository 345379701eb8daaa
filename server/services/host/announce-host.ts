import { getDb } from "@/server/db";

export interface AnnounceHostInput {
  name: string;
  device: "cpu" | "cuda";
  /** onnxruntime execution providers that could create a session here, best first. */
  executionProviders: string[];
  costMicrosPerHour: number;
  /** Null on CPU hosts, or when the GPU's memory could not be read. */
  gpuMemoryMb: number | null;
  /** When the host's process started: its announcement may land later (Postgres was down). */
  startedAt?: Date;
}

/** A worker host says it is up (by name: a restarted host updates its row and its start time). */
export async function announceHost(input: AnnounceHostInput): Promise<{ id: string }> {
  const now = new Date();
  const fields = {
    device: input.device,
    executionProviders: input.executionProviders,
    costMicrosPerHour: input.costMicrosPerHour,
    gpuMemoryMb: input.gpuMemoryMb,
    startedAt: input.startedAt ?? now,
    lastHeartbeatAt: now,
  };
  return getDb().host.upsert({
    where: { name: input.name },
    update: fields,
    create: { name: input.name, ...fields },
    select: { id: true },
  });
}

/** Heartbeat: false when the host row is gone (deleted meanwhile), so the caller re-announces. */
export async function recordHostHeartbeat(name: string): Promise<boolean> {
  const { count } = await getDb().host.updateMany({ where: { name }, data: { lastHeartbeatAt: new Date() } });
  return count > 0;
}
