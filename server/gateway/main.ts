import { getDb } from "@/server/db";
import { readEnvOrExit } from "@/server/env";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { startGateway } from "@/server/gateway/start-gateway";
import { getRedis } from "@/server/redis";

/** `tsx server/gateway/main.ts`: the inference data plane, one stateless process per port. */
const gateway = await startGateway(readEnvOrExit(readGatewayEnv));
console.log(`gateway listening on ${gateway.url} (Open Inference Protocol v2)`);

async function shutdown(): Promise<void> {
  await gateway.close();
  getRedis().disconnect();
  await getDb().$disconnect();
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
