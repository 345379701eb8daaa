import { getDb } from "@/server/db";
import { startHostAgent } from "@/workers/host";
import { startRoles } from "@/workers/roles";
import { readWorkerEnv, type WorkerEnv } from "@/workers/worker-env";

// The one worker entry (`tsx workers/main.ts`): host agent + the roles WORKER_ROLES asks for,
// closed on SIGTERM/SIGINT after their active jobs finish.
let env: WorkerEnv;
try {
  env = readWorkerEnv();
} catch (error) {
  // A bad variable is the operator's to fix: its name and value, not a stack trace.
  console.error(`worker: ${(error as Error).message}`);
  process.exit(1);
}
const host = await startHostAgent({
  hostName: env.WORKER_HOST_NAME,
  device: env.WORKER_DEVICE,
  costMicrosPerHour: env.WORKER_COST_MICROS_PER_HOUR,
});
const roles = await startRoles(env);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) process.exit(1); // a second signal: stop waiting
  stopping = true;
  console.log(`worker ${env.WORKER_HOST_NAME}: ${signal}, finishing active jobs`);
  host.stop();
  await roles.close();
  await getDb().$disconnect();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// Last, after the handlers: whoever waits for this line may signal at once.
console.log(
  `worker ${env.WORKER_HOST_NAME}: device ${host.device}, provider ${host.executionProviders[0]}; ${roles.descriptions.join("; ")}`,
);
