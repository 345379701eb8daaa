import { readEnvOrExit } from "@/server/env";
import { handleUncaughtErrors } from "@/server/exit-on-uncaught-errors";
import { getLogger } from "@/server/logger";
import { startHostAgent } from "@/workers/host";
import { startRoles } from "@/workers/roles";
import { readWorkerEnv } from "@/workers/worker-env";

// The one worker entry (`tsx workers/main.ts`): host agent + the roles WORKER_ROLES asks for,
// closed on SIGTERM/SIGINT after their active jobs finish. A bad variable stops it first, naming
// the variable (the logger reads the same environment, so it cannot report that).
const env = readEnvOrExit(readWorkerEnv);
const log = getLogger().child({ component: "worker", hostName: env.WORKER_HOST_NAME });
handleUncaughtErrors(log, { unhandledRejection: "exit" });
const host = await startHostAgent({
  hostName: env.WORKER_HOST_NAME,
  device: env.WORKER_DEVICE,
  costMicrosPerHour: env.WORKER_COST_MICROS_PER_HOUR,
});
const roles = await startRoles(env, host);
void host.announce();

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) process.exit(1); // a second signal: stop waiting
  stopping = true;
  log.info({ signal }, "worker stopping: finishing active jobs");
  host.stop();
  await roles.close();
  // Loaded by now if any role or the host's announcement used Postgres; else it connects to nothing.
  const { getDb } = await import("@/server/db");
  await getDb().$disconnect();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// Last, after the handlers: whoever waits for this line may signal at once.
log.info(
  {
    device: host.device,
    executionProvider: host.executionProviders[0],
    servesDevices: host.servesDevices,
    roles: roles.descriptions,
  },
  "worker started",
);
