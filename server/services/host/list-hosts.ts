import { getDb } from "@/server/db";

/** A host that missed this many heartbeats (10 s apart) is shown as offline. */
const OFFLINE_AFTER_MS = 35_000;

export async function listHosts({ nowMs = Date.now() }: { nowMs?: number } = {}) {
  const hosts = await getDb().host.findMany({
    orderBy: [{ lastHeartbeatAt: "desc" }, { name: "asc" }],
    take: 100,
  });
  return hosts.map((host) => ({
    ...host,
    executionProviders: host.executionProviders as string[],
    online: nowMs - host.lastHeartbeatAt.getTime() < OFFLINE_AFTER_MS,
  }));
}
