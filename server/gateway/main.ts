import { getDb } from "@/server/db";
import { readEnvOrExit } from "@/server/env";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { startGateway } from "@/server/gateway/start-gateway";
import { handleUncaughtErrors } from "@/server/exit-on-uncaught-errors";
import { getLogger } from "@/server/logger";
import { getRedis } from "@/server/redis";

/** `tsx server/gateway/main.ts`: the inference data plane, one stateless process per port. */
// First of all: a bad variable stops the process here with its name (the logger reads the same
// environment, so it cannot report that).
const env = readEnvOrExit(readGatewayEnv);
const log = getLogger().child({ component: "gateway" });
handleUncaughtErrors(log, { unhandledRejection: "log" });

const gateway = await startGateway(env);
log.info({ url: gateway.url }, "gateway listening (Open Inference Protocol v2)");

async function shutdown(signal: string): Promise<void> {
  log.info({ signal }, "gateway stopping");
  await gateway.close();
  getRedis().disconnect();
  await getDb().$disconnect();
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
