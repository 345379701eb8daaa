import { Redis } from "ioredis";
import { buildGateway } from "@/server/gateway/app";
import { DeploymentCache } from "@/server/gateway/deployment-cache";
import { readGatewayEnv } from "@/server/gateway/gateway-env";
import { InferenceService } from "@/server/gateway/infer";
import { createJobDispatcher } from "@/server/gateway/job-dispatcher";
import { ShadowRecorder } from "@/server/gateway/shadow-recorder";
import { subscribeToDeploymentChanges } from "@/server/gateway/subscribe-deployment-changes";
import { TrafficCounters } from "@/server/gateway/traffic-counters";
import { getDb } from "@/server/db";
import { getRedis } from "@/server/redis";
import { loadServingDeployment } from "@/server/services/deployment/load-serving-deployment";
import { checkHealth } from "@/server/services/health/check-health";
import { resolveTeam } from "@/server/services/team/resolve-team";

/** `tsx server/gateway/main.ts`: the inference data plane, one stateless process per port. */
const env = readGatewayEnv();
// Until API keys land, the gateway serves the default team's deployments.
const team = await resolveTeam(env.DEFAULT_TEAM_SLUG);
const cache = new DeploymentCache((name) => loadServingDeployment(team.id, name));
const subscription = await subscribeToDeploymentChanges({ redisUrl: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, cache });
const dispatcher = createJobDispatcher({ redisUrl: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX });
const counters = new TrafficCounters(getRedis());
const shadows = new ShadowRecorder(getRedis());
const inference = new InferenceService(dispatcher, counters, shadows, {
  maxPendingPerDeployment: env.GATEWAY_MAX_PENDING_PER_DEPLOYMENT,
  jobTimeoutMs: env.GATEWAY_REQUEST_TIMEOUT_MS,
});
const app = buildGateway({
  cache,
  inference,
  dispatcher,
  dependenciesReady: async () => (await checkHealth()).ok,
  maxBodyBytes: env.GATEWAY_MAX_BODY_BYTES,
  requestTimeoutMs: env.GATEWAY_REQUEST_TIMEOUT_MS,
});
await app.listen({ port: env.GATEWAY_PORT, host: env.GATEWAY_HOST });
console.log(`gateway listening on http://${env.GATEWAY_HOST}:${env.GATEWAY_PORT} (Open Inference Protocol v2)`);

async function shutdown(): Promise<void> {
  await app.close();
  await Promise.all([counters.close(), shadows.close()]);
  await Promise.all([dispatcher.close(), subscription.close()]);
  getRedis().disconnect();
  await getDb().$disconnect();
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
