import { apiKeyRevokedChannel, ZApiKeyRevokedMessage } from "@/server/contracts/api-keys";
import { GatewayAdmission } from "@/server/gateway/admission";
import { ApiKeyAuth } from "@/server/gateway/api-key-auth";
import { ApiKeyCache } from "@/server/gateway/api-key-cache";
import { buildGateway } from "@/server/gateway/app";
import { DEFAULT_DEPLOYMENT_CACHE_OPTIONS, DeploymentCache } from "@/server/gateway/deployment-cache";
import { socketTimeouts, type GatewayEnv } from "@/server/gateway/gateway-env";
import { InferenceService } from "@/server/gateway/infer";
import { createJobDispatcher } from "@/server/gateway/job-dispatcher";
import { ShadowRecorder } from "@/server/gateway/shadow-recorder";
import { subscribeToChannel } from "@/server/gateway/subscribe-channel";
import { subscribeToDeploymentChanges } from "@/server/gateway/subscribe-deployment-changes";
import { PredictionSampler } from "@/server/gateway/prediction-sampler";
import { TrafficCounters } from "@/server/gateway/traffic-counters";
import { getLogger } from "@/server/logger";
import { GatewayMetrics } from "@/server/metrics/gateway-metrics";
import { getRedis } from "@/server/redis";
import { loadServingDeployment } from "@/server/services/deployment/load-serving-deployment";
import { loadApiKey } from "@/server/services/auth/authenticate-api-key";
import { localCaller } from "@/server/services/auth/resolve-caller";
import { checkHealth } from "@/server/services/health/check-health";
import { resolveTeam } from "@/server/services/team/resolve-team";

/** How long readiness waits for Redis and Postgres to answer before it reports them down. */
const READINESS_PROBE_TIMEOUT_MS = 500;

/** Wires and starts a gateway; `close` stops taking requests, flushes counters and disconnects. */
export async function startGateway(env: GatewayEnv) {
  // A request without an API key acts in the default team, unless keys are required.
  const team = await resolveTeam(env.DEFAULT_TEAM_SLUG);
  const log = getLogger().child({ component: "gateway" });
  const apiKeys = new ApiKeyCache(loadApiKey, {
    ttlMs: env.GATEWAY_API_KEY_CACHE_TTL_MS,
    maxKeys: env.GATEWAY_MAX_CACHED_API_KEYS,
    lookupTimeoutMs: DEFAULT_DEPLOYMENT_CACHE_OPTIONS.lookupTimeoutMs,
  });
  const revocations = await subscribeToChannel({
    redisUrl: env.REDIS_URL,
    channel: apiKeyRevokedChannel(env.REDIS_KEY_PREFIX),
    schema: ZApiKeyRevokedMessage,
    onMessage: ({ apiKeyId }) => apiKeys.drop(apiKeyId),
    onResubscribed: () => apiKeys.clear(),
    subject: "API key revocation",
    log,
  });
  const auth = new ApiKeyAuth({
    cache: apiKeys,
    redis: getRedis(),
    keyless: env.GATEWAY_REQUIRE_API_KEY ? null : localCaller(team),
  });
  const cache = new DeploymentCache(loadServingDeployment, {
    unknownNameTtlMs: env.GATEWAY_UNKNOWN_NAME_TTL_MS,
    maxUnknownNames: env.GATEWAY_MAX_UNKNOWN_NAMES,
    lookupsPerNamePerSecond: env.GATEWAY_LOOKUPS_PER_NAME_PER_SECOND,
    lookupTimeoutMs: DEFAULT_DEPLOYMENT_CACHE_OPTIONS.lookupTimeoutMs,
  });
  const subscription = await subscribeToDeploymentChanges({
    redisUrl: env.REDIS_URL,
    keyPrefix: env.REDIS_KEY_PREFIX,
    cache,
    log,
  });
  const dispatcher = createJobDispatcher({ redisUrl: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, log });
  const metrics = new GatewayMetrics();
  const counters = new TrafficCounters(getRedis(), metrics, { enabled: env.GATEWAY_COUNTERS === "on" });
  const shadows = new ShadowRecorder(getRedis());
  const sampler = new PredictionSampler(getRedis());
  const inference = new InferenceService(dispatcher, counters, sampler, shadows, {
    minPendingPerDeployment: env.GATEWAY_MIN_PENDING_PER_DEPLOYMENT,
    maxPendingPerDeployment: env.GATEWAY_MAX_PENDING_PER_DEPLOYMENT,
    latencyTolerance: env.GATEWAY_LATENCY_TOLERANCE,
  });
  const admission = new GatewayAdmission({
    maxInFlight: env.GATEWAY_MAX_IN_FLIGHT,
    maxEventLoopDelayMs: env.GATEWAY_MAX_EVENT_LOOP_DELAY_MS,
    log,
    onRefusal: (reason) => counters.recordGatewayRefusal(reason),
  });
  metrics.watch({
    inFlight: () => admission.inFlightCount,
    pendingRows: () => inference.pendingRows(),
    waitingJobs: () => dispatcher.waitingJobs(),
  });
  const app = buildGateway({
    auth,
    cache,
    inference,
    dispatcher,
    admission,
    metrics,
    readiness: async () => {
      // Within a load balancer's probe timeout (Kubernetes': 1 s) even while Postgres hangs: at
      // the default 2 s, a frozen Postgres made every ready answer late, so probes would fail.
      const health = await checkHealth({ timeoutMs: READINESS_PROBE_TIMEOUT_MS });
      const deploymentChanges = subscription.live() ? "live" : "down";
      const apiKeyRevocations = revocations.live() ? "live" : "down";
      return {
        // Cached deployments serve without Postgres; without Redis nothing is served, and without
        // the subscriptions the caches could serve a deployment after its change, or a revoked key.
        ready: health.redis.ok && deploymentChanges === "live" && apiKeyRevocations === "live",
        redis: health.redis.ok ? "up" : "down",
        postgres: health.postgres.ok ? "up" : "down",
        deploymentChanges,
        apiKeyRevocations,
      };
    },
    maxBodyBytes: env.GATEWAY_MAX_BODY_BYTES,
    requestTimeoutMs: env.GATEWAY_REQUEST_TIMEOUT_MS,
    ...socketTimeouts(env),
    log,
  });
  const address = await app.listen({
    port: env.GATEWAY_PORT,
    host: env.GATEWAY_HOST,
    backlog: env.GATEWAY_LISTEN_BACKLOG,
  });
  return {
    url: address,
    async close() {
      await app.close();
      admission.close();
      await Promise.all([counters.close(), sampler.close(), shadows.close()]);
      await Promise.all([dispatcher.close(), subscription.close(), revocations.close()]);
    },
  };
}
