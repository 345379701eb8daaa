import { randomUUID } from "node:crypto";
import { AdaptiveConcurrencyLimit } from "@/server/domain/admission/adaptive-concurrency-limit";
import { AppError } from "@/server/domain/app-error";
import { parseInferRequest } from "@/server/domain/inference/v2-infer-request";
import type { ServingRequest } from "@/server/contracts/serving";
import type { CachedDeployment } from "@/server/gateway/deployment-cache";
import { getLogger } from "@/server/logger";
import type { ServingVersion } from "@/server/services/deployment/load-serving-deployment";

/** A single request may carry many rows; the body limit bounds it first. */
const MAX_ROWS_PER_REQUEST = 65_536;

/** One inference request as any front end (HTTP today, streams later) hands it to the gateway. */
export interface InferenceCall {
  deployment: CachedDeployment;
  /** Set when the caller names a version (…/versions/{v}/infer): no routing, no shadows. */
  pinnedVersion: ServingVersion | null;
  body: unknown;
  stickyKey: string | null;
  /** When the request's bytes started arriving (epoch ms): its deadline counts from here, not from parsing. */
  receivedAtMs: number;
  timeoutMs: number;
  /** Aborts when the caller closes its connection before the answer. */
  callerGone?: AbortSignal;
}

/** Where a request goes, validated and admitted: what the executor runs and the observers see. */
export interface InferenceTarget {
  deployment: CachedDeployment;
  version: ServingVersion;
  /** The job's request: inputs checked against this version's signature, a fresh request id. */
  request: ServingRequest;
  batchRows: number;
  /** The caller's own request id (V2 `id`), echoed in the answer. */
  callerId: string | undefined;
  /** Routed requests are copied to the revision's shadows; pinned ones are not. */
  shadowed: boolean;
  /** Frees the admission slot; call it when the job ends, which may be after the caller's deadline. */
  release: () => void;
}

/**
 * Route (unless pinned), validate against the chosen version's signature, then admit. Throws
 * AppError: BAD_REQUEST or PAYLOAD_TOO_LARGE for the input, TOO_MANY_REQUESTS when full.
 */
export function chooseTarget(call: InferenceCall, pending: PendingRequests): InferenceTarget {
  const { deployment } = call;
  const version = call.pinnedVersion ?? routedVersion(deployment, routingKeyOf(call.stickyKey, call.body));
  const parsed = parseInferRequest(call.body, version.signature, { maxBatchRows: MAX_ROWS_PER_REQUEST });
  const release = pending.admit(deployment);
  return {
    deployment,
    version,
    request: { requestId: randomUUID(), inputs: parsed.inputs, outputNames: parsed.outputNames },
    batchRows: parsed.batchRows,
    callerId: parsed.id,
    shadowed: call.pinnedVersion === null,
    release,
  };
}

/** The sticky key, else the caller's request id, so a retried request lands where it did; else random. */
export function routingKeyOf(stickyKey: string | null, body: unknown): string | null {
  if (stickyKey !== null) return stickyKey;
  const id = typeof body === "object" && body !== null ? (body as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : null;
}

function routedVersion(deployment: CachedDeployment, routingKey: string | null): ServingVersion {
  const chosen = deployment.routing.choose(routingKey);
  // The loader puts every weighted version of the revision in `versions`.
  return deployment.versions.get(chosen.versionId)!;
}

/** The bounds of each deployment's adaptive limit (server/domain/admission). */
export interface PendingLimits {
  minPendingPerDeployment: number;
  /** The hard cap, whatever latency says. */
  maxPendingPerDeployment: number;
  /** Latency of completed requests up to this many times the deployment's baseline is accepted. */
  latencyTolerance: number;
}

/** Completed requests are judged in windows of at least this long and this many. */
const LIMIT_WINDOW_MS = 200;
const LIMIT_WINDOW_SAMPLES = 20;
/** How often a deployment's no-load latency is measured afresh (one window at the floor). */
const BASELINE_REFRESH_MS = 30_000;
const REFUSED_LOG_INTERVAL_MS = 1_000;

/**
 * Requests of each deployment that hold a worker or wait for one. Past the deployment's limit,
 * which follows the latency of its completed requests (AdaptiveConcurrencyLimit), it refuses at
 * once (429 over HTTP) rather than queueing work that would answer late.
 */
export class PendingRequests {
  private readonly byDeployment = new Map<
    string,
    { pending: number; limit: AdaptiveConcurrencyLimit; refusedSinceLog: number; lastRefusedLogAtMs: number }
  >();

  constructor(private readonly limits: PendingLimits) {}

  /** Counts one more request until the returned release runs (once; later calls do nothing). */
  admit(deployment: { id: string; name: string }): () => void {
    const entry = this.entryOf(deployment.id);
    if (entry.pending >= entry.limit.limit) {
      this.countRefusal(deployment, entry);
      throw new AppError(
        "TOO_MANY_REQUESTS",
        `deployment '${deployment.name}' is at its limit of ${entry.limit.limit} requests in flight ` +
          `(it follows the deployment's latency, up to ${this.limits.maxPendingPerDeployment}); retry later`,
        { retryAfterSeconds: 1 },
      );
    }
    entry.pending += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.pending -= 1;
    };
  }

  /** A request of the deployment was answered after `latencyMs`: what its limit adapts to. */
  recordLatency(deploymentId: string, latencyMs: number, nowMs: number): void {
    const entry = this.entryOf(deploymentId);
    const change = entry.limit.record(latencyMs, entry.pending, nowMs);
    if (change) getLogger().debug({ deploymentId, ...change }, "deployment concurrency limit changed");
  }

  count(deploymentId: string): number {
    return this.byDeployment.get(deploymentId)?.pending ?? 0;
  }

  limitOf(deploymentId: string): number {
    return this.entryOf(deploymentId).limit.limit;
  }

  /** Shadow copies run only while a deployment is at most half full, so they never crowd out callers. */
  hasRoomForShadows(deploymentId: string): boolean {
    const entry = this.entryOf(deploymentId);
    return entry.pending <= entry.limit.limit / 2;
  }

  /** Refusals are logged as one count per second per deployment: a line each would add to the load. */
  private countRefusal(
    deployment: { id: string; name: string },
    entry: { pending: number; refusedSinceLog: number; lastRefusedLogAtMs: number },
  ): void {
    entry.refusedSinceLog += 1;
    const nowMs = performance.now();
    if (nowMs - entry.lastRefusedLogAtMs < REFUSED_LOG_INTERVAL_MS) return;
    getLogger().info(
      { deploymentId: deployment.id, refused: entry.refusedSinceLog, limit: entry.pending },
      `deployment '${deployment.name}' refused requests at its limit: 429`,
    );
    entry.refusedSinceLog = 0;
    entry.lastRefusedLogAtMs = nowMs;
  }

  private entryOf(deploymentId: string) {
    let entry = this.byDeployment.get(deploymentId);
    if (!entry) {
      entry = {
        pending: 0,
        refusedSinceLog: 0,
        lastRefusedLogAtMs: -Infinity,
        limit: new AdaptiveConcurrencyLimit({
          // A cap set below the default floor (a small gateway, a test) is the floor too.
          minLimit: Math.min(this.limits.minPendingPerDeployment, this.limits.maxPendingPerDeployment),
          maxLimit: this.limits.maxPendingPerDeployment,
          tolerance: this.limits.latencyTolerance,
          windowMs: LIMIT_WINDOW_MS,
          minWindowSamples: LIMIT_WINDOW_SAMPLES,
          baselineRefreshMs: BASELINE_REFRESH_MS,
        }),
      };
      this.byDeployment.set(deploymentId, entry);
    }
    return entry;
  }
}
