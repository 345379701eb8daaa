import { randomUUID } from "node:crypto";
import { AdaptiveConcurrencyLimit } from "@/server/domain/admission/adaptive-concurrency-limit";
import { AppError } from "@/server/domain/app-error";
import type { BinaryOutputChoice } from "@/server/domain/inference/v2-binary-tensors";
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
  /** The request's JSON (the header of a binary body). */
  body: unknown;
  /** The binary section of a body in the binary tensor data extension's form. */
  binary?: Uint8Array;
  stickyKey: string | null;
  /** When the request's bytes started arriving (epoch ms): its deadline counts from here, not from parsing. */
  receivedAtMs: number;
  /** The same moment on performance.now()'s clock: the latency the counters record counts from here. */
  receivedAtPerfMs: number;
  timeoutMs: number;
  /** Aborts when the caller closes its connection before the answer. */
  callerGone?: AbortSignal;
  /** The `traceparent` of this request's span in the gateway, when its caller sent a valid one. */
  traceparent?: string | null;
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
  /** The outputs the answer carries as binary data. */
  binaryOutputs: BinaryOutputChoice;
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
  const parsed = parseInferRequest(
    call.body,
    version.signature,
    { maxBatchRows: MAX_ROWS_PER_REQUEST },
    call.binary,
  );
  const release = pending.admit(deployment, parsed.batchRows);
  return {
    deployment,
    version,
    request: {
      requestId: randomUUID(),
      inputs: parsed.inputs,
      outputNames: parsed.outputNames,
      ...(call.traceparent && { traceparent: call.traceparent }),
    },
    batchRows: parsed.batchRows,
    callerId: parsed.id,
    binaryOutputs: parsed.binaryOutputs,
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

/** What admission needs of a deployment. */
export type AdmittedDeployment = Pick<CachedDeployment, "id" | "name" | "maxBatchSize">;

/** The bounds of each deployment's adaptive limit of rows in flight (server/domain/admission). */
export interface PendingLimits {
  /** The floor, raised per deployment to two of its full batches (one running, one gathering). */
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
 * Rows of each deployment's requests that hold a worker or wait for one. Past the deployment's
 * limit, which follows the latency of its completed requests (AdaptiveConcurrencyLimit), it
 * refuses at once (429 over HTTP) rather than queueing work that would answer late. A request
 * larger than the limit on its own is admitted when nothing else is in flight, or it never could be.
 */
export class PendingRequests {
  private readonly byDeployment = new Map<string, DeploymentAdmission>();

  constructor(private readonly limits: PendingLimits) {}

  /** Counts a request's rows until the returned release runs (once; later calls do nothing). */
  admit(deployment: AdmittedDeployment, rows: number, nowMs = performance.now()): () => void {
    const entry = this.entryOf(deployment);
    if (entry.pending > 0) {
      const refusal = this.refusalOf(deployment, entry, rows, nowMs);
      if (refusal !== null) {
        this.countRefusal(deployment, entry);
        throw new AppError("TOO_MANY_REQUESTS", refusal, { retryAfterSeconds: 1 });
      }
    }
    entry.pending += rows;
    const ticket = entry.nextTicket++;
    entry.admittedAtMs.set(ticket, nowMs);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.pending -= rows;
      entry.admittedAtMs.delete(ticket);
    };
  }

  /**
   * Why a request to this deployment is refused on arrival, before its body is read and parsed,
   * or null: the deployment has no room for even one row. Refusing at once is what keeps a
   * gateway at twice its capacity fast: parsing and validating each surplus body cost the CPU
   * that the admitted requests needed. The refusal is counted like one from `admit`.
   */
  refusalOnArrival(deployment: AdmittedDeployment, nowMs = performance.now()): string | null {
    const entry = this.entryOf(deployment);
    if (entry.pending === 0) return null;
    const refusal = this.refusalOf(deployment, entry, 1, nowMs);
    if (refusal !== null) this.countRefusal(deployment, entry);
    return refusal;
  }

  /**
   * Why a request of `rows` rows is refused now, or null. Past the limit; or, above the floor,
   * while the oldest request in flight is older than the limit's bound on it and answers still
   * come: a queue has formed that the next window would only see once its requests answer late.
   * With no answer for that long the deployment is stalled, not queueing (a worker loading the
   * model, say): requests then wait within their deadlines instead of being refused.
   */
  private refusalOf(
    deployment: AdmittedDeployment,
    entry: DeploymentAdmission,
    rows: number,
    nowMs: number,
  ): string | null {
    const { limit } = entry;
    if (entry.pending + rows > limit.limit)
      return (
        `deployment '${deployment.name}' is at its limit of ${limit.limit} rows in flight ` +
        `(it follows the deployment's latency, up to ${this.limits.maxPendingPerDeployment}); retry later`
      );
    const maxAgeMs = limit.maxInFlightAgeMs;
    if (maxAgeMs === null || entry.pending < entry.floor) return null;
    if (nowMs - entry.lastAnsweredAtMs > maxAgeMs) return null;
    // Maps iterate in insertion order: the first entry is the oldest still in flight.
    const oldestAtMs = entry.admittedAtMs.values().next().value!;
    if (nowMs - oldestAtMs <= maxAgeMs) return null;
    return (
      `deployment '${deployment.name}' has requests waiting ${Math.round(nowMs - oldestAtMs)} ms ` +
      `(over the ${Math.round(maxAgeMs)} ms its latency allows); retry later`
    );
  }

  /** A request of `rows` rows was answered after `latencyMs`: what the deployment's limit adapts to. */
  recordLatency(deployment: AdmittedDeployment, latencyMs: number, rows: number, nowMs: number): void {
    const entry = this.entryOf(deployment);
    entry.lastAnsweredAtMs = nowMs;
    const change = entry.limit.record(latencyMs, rows, entry.pending, nowMs);
    if (change)
      getLogger().debug({ deploymentId: deployment.id, ...change }, "deployment concurrency limit changed");
  }

  /** Rows in flight per deployment name, for the gateway's gauge. */
  *rowsByDeployment(): Iterable<[name: string, rows: number]> {
    for (const entry of this.byDeployment.values()) yield [entry.name, entry.pending];
  }

  /** Rows in flight. */
  count(deploymentId: string): number {
    return this.byDeployment.get(deploymentId)?.pending ?? 0;
  }

  limitOf(deployment: AdmittedDeployment): number {
    return this.entryOf(deployment).limit.limit;
  }

  /** Shadow copies run only while a deployment is at most half full, so they never crowd out callers. */
  hasRoomForShadows(deployment: AdmittedDeployment): boolean {
    const entry = this.entryOf(deployment);
    return entry.pending <= entry.limit.limit / 2;
  }

  /** Refusals are logged as one count per second per deployment: a line each would add to the load. */
  private countRefusal(deployment: AdmittedDeployment, entry: DeploymentAdmission): void {
    entry.refusedSinceLog += 1;
    const nowMs = performance.now();
    if (nowMs - entry.lastRefusedLogAtMs < REFUSED_LOG_INTERVAL_MS) return;
    getLogger().info(
      { deploymentId: deployment.id, refused: entry.refusedSinceLog, limitRows: entry.limit.limit },
      `deployment '${deployment.name}' refused requests at its limit: 429`,
    );
    entry.refusedSinceLog = 0;
    entry.lastRefusedLogAtMs = nowMs;
  }

  private entryOf(deployment: AdmittedDeployment): DeploymentAdmission {
    const { minPendingPerDeployment, maxPendingPerDeployment, latencyTolerance } = this.limits;
    // A cap set below the floor (a small gateway, a test) is the floor too.
    const floor = Math.min(
      maxPendingPerDeployment,
      Math.max(minPendingPerDeployment, 2 * deployment.maxBatchSize),
    );
    const entry = this.byDeployment.get(deployment.id);
    if (entry?.floor === floor) return entry;
    // New, or its batch size changed (a new floor): the limit starts over from the cap.
    const fresh: DeploymentAdmission = {
      pending: entry?.pending ?? 0,
      admittedAtMs: entry?.admittedAtMs ?? new Map(),
      lastAnsweredAtMs: entry?.lastAnsweredAtMs ?? -Infinity,
      nextTicket: entry?.nextTicket ?? 0,
      floor,
      name: deployment.name,
      refusedSinceLog: 0,
      lastRefusedLogAtMs: -Infinity,
      limit: new AdaptiveConcurrencyLimit({
        minLimit: floor,
        maxLimit: maxPendingPerDeployment,
        tolerance: latencyTolerance,
        windowMs: LIMIT_WINDOW_MS,
        minWindowSamples: LIMIT_WINDOW_SAMPLES,
        baselineRefreshMs: BASELINE_REFRESH_MS,
      }),
    };
    this.byDeployment.set(deployment.id, fresh);
    return fresh;
  }
}

interface DeploymentAdmission {
  /** Rows in flight. */
  pending: number;
  /** When each request in flight was admitted, by ticket, oldest first. */
  admittedAtMs: Map<number, number>;
  nextTicket: number;
  /** When a request last completed (performance.now() ms): tells a queue from a stall. */
  lastAnsweredAtMs: number;
  limit: AdaptiveConcurrencyLimit;
  floor: number;
  /** The deployment's name, for the gauge of rows in flight. */
  name: string;
  refusedSinceLog: number;
  lastRefusedLogAtMs: number;
}
